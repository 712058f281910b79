"Pseudonymisation: the key comes from the environment or nowhere; tokens cannot be recomputed without it."
import hashlib
import pytest
from mlsys.responsible import privacy as pv


@pytest.fixture
def customers(): return pv.customer_register(50)


def test_missing_key_is_a_clear_error(customers, monkeypatch):
    monkeypatch.delenv(pv.KEY_VARIABLE, raising=False)
    with pytest.raises(pv.MissingKey, match=r'\$MLSYS_PSEUDONYM_KEY is not set.*never commit it'):
        pv.pseudonymise(customers, ['household_id'])


def test_short_key_is_refused(customers, monkeypatch):
    monkeypatch.setenv(pv.KEY_VARIABLE, 'short')
    with pytest.raises(pv.MissingKey, match='5 characters long; use at least 16'):
        pv.pseudonymise(customers, ['household_id'])


def test_tokens_resist_a_dictionary_attack_without_the_key(customers, monkeypatch):
    monkeypatch.setenv(pv.KEY_VARIABLE, 'k' * 32)
    tokens = set(pv.pseudonymise(customers, ['household_id']).household_id)
    # an attacker hashes every plausible id, with and without the column prefix: nothing matches
    guesses = {hashlib.sha256(f'{p}{i}'.encode()).hexdigest()[:16] for i in range(0, 10_000) for p in ('', 'household_id:')}
    assert not tokens & guesses
    assert len(tokens) == len(customers)


def test_the_key_and_the_identifiers_do_not_appear_in_the_output(customers, monkeypatch):
    key = 'secret-key-value-0123456789'
    monkeypatch.setenv(pv.KEY_VARIABLE, key)
    out = pv.pseudonymise(customers, ['household_id', 'email', 'phone'])
    text = out.drop(columns=['note']).to_csv(index=False)
    assert key not in out.to_csv(index=False)
    assert not any(e in text for e in customers.email) and not any(p in text for p in customers.phone)
    # free text is not pseudonymised by replacing columns: the note still leaks contacts, so a release must drop it
    assert any(e in out.note.str.cat(sep=' ') for e in customers.email)
    assert out.drop(columns=['household_id', 'email', 'phone']).equals(customers.drop(columns=['household_id', 'email', 'phone']))


def test_scan_flags_contacts_hidden_in_free_text(customers):
    found = pv.find_personal_data(customers)
    note = set(found[found.column == 'note'].kind)
    assert note & {'email', 'phone'}
    assert not any(e in found.example.str.cat() for e in customers.email)  # the report masks what it found
