"`mlsys course release --out DIR` replaces an earlier edition but never a folder it did not make."
from helpers import mlsys


def test_release_refuses_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path/'work'
    precious.mkdir(); (precious/'notes.txt').write_text('keep me')
    p = mlsys('course', 'release', '--out', str(precious), check=False)
    assert p.returncode == 1 and 'was not made by `mlsys course release`' in p.stderr and '--force' in p.stderr
    assert (precious/'notes.txt').read_text() == 'keep me'


def test_release_replaces_its_own_edition_and_force_replaces_anything(tmp_path):
    out = tmp_path/'student'
    mlsys('course', 'release', '--out', str(out))
    (out/'stale.txt').write_text('from an older edition')
    mlsys('course', 'release', '--out', str(out))
    assert not (out/'stale.txt').exists() and (out/'exercises').is_dir()
    other = tmp_path/'other'
    other.mkdir(); (other/'old.txt').write_text('x')
    mlsys('course', 'release', '--out', str(other), '--force')
    assert not (other/'old.txt').exists() and (other/'exercises').is_dir()
