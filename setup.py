"Packaging for mlsys, driven by nbdev's settings.ini (the nbdev 2 layout)."
from configparser import ConfigParser
from pathlib import Path
import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=['='])
cfg.read(here/'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
lic = licenses[cfg['license']]
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable']

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=(here/'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    url=cfg['git_url'],
    license=lic[0],
    classifiers=[f"Development Status :: {statuses[int(cfg['status'])]}",
                 f"License :: {lic[1]}",
                 f"Programming Language :: Python :: {cfg['min_python']}"],
    keywords=cfg['keywords'].split(),
    python_requires=f">={cfg['min_python']}",
    packages=setuptools.find_packages(include=['mlsys', 'mlsys.*']),
    include_package_data=True,
    # Data Docs' scripts, styles and fonts, vendored with their licences so the reports work offline
    package_data={'mlsys.dataops': ['_assets/data_docs/*', '_assets/data_docs/*/*', '_assets/data_docs/*/*/*']},
    # The flagship pipeline notebook ships with the wheel so `mlsys run` works outside a clone.
    data_files=[('share/mlsys/pipelines', [str(p) for p in sorted(Path('pipelines').glob('*.ipynb'))]),
                ('share/mlsys/suites', [str(p) for p in sorted(Path('suites').glob('*.yaml'))]),
                ('share/mlsys/monitoring/rules', [str(p) for p in sorted(Path('monitoring/rules').glob('*.yml'))])],
    install_requires=cfg['requirements'].split(),
    extras_require={'dev': cfg['dev_requirements'].split()},
    entry_points={'console_scripts': cfg['console_scripts'].split(),
                  'nbdev': [f"{cfg['lib_name']}={cfg['lib_name']}._modidx:d"]},
    zip_safe=False,
)
