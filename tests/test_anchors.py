"""Anchors: numbers normalised across scripts and separators, Latin-script names."""

from __future__ import annotations

import pytest

from corpus.anchors import anchor_agreement, find_anchors, normalise_number


@pytest.mark.parametrize("written", ["1.457", "1,457", "1،457", "١٬٤٥٧", "1 457", "1’457"])
def test_thousands_separators_in_any_script_are_one_number(written: str) -> None:
    assert normalise_number(written) == "1457"


@pytest.mark.parametrize(("written", "value"), [("3,5", "3.5"), ("0.5", "0.5"), ("007", "7")])
def test_decimals_and_leading_zeros(written: str, value: str) -> None:
    assert normalise_number(written) == value


def test_names_are_latin_words_with_capitals() -> None:
    anchors = find_anchors("من مهندسي البرمجيات في LinkedIn و Mumbai and the rest")
    assert anchors.names == {"LinkedIn", "Mumbai"}


def test_hyphenated_compounds_yield_their_name() -> None:
    assert "LinkedIn" in find_anchors("meine 1.457 LinkedIn-Verbindungen").names


def test_agreement_rewards_shared_and_punishes_conflicting_numbers() -> None:
    a = find_anchors("Ich habe 1.457 Verbindungen.")
    assert anchor_agreement(a, find_anchors("اتصالاتي الآن بـ 1،457")) == 1.0
    assert anchor_agreement(a, find_anchors("Ho 300 connessioni.")) == -1.0
    assert anchor_agreement(find_anchors("ohne Zahl"), find_anchors("senza numero")) == 0.0
