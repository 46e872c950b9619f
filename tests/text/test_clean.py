"""Boilerplate rules for text copies of web pages, on the reference seeds and small cases."""
from pathlib import Path

from transforms.text.clean import classify_paragraph, clean_text, clean_title, split_title

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(name):
    return (SEEDS / name).read_text(encoding="utf-8")


def test_lenta_seed_loses_caption_related_headlines_and_pull_quote():
    title, body = split_title(seed("000_2d844df8e1464b56.txt"))
    text, removed = clean_text(body)
    kinds = [r["kind"] for r in removed]
    assert kinds.count("related") == 2 and "caption" in kinds and "pull_quote" in kinds
    assert "Photo: Ludovic Marin" not in text
    assert "France began to create an alliance of countries to send troops to Ukraine" not in text
    assert "Putin warned of the consequences of sending NATO troops to Ukraine\n" not in text
    assert "LandsbergisHead" not in text
    # reporting stays, including the paragraphs around what was removed
    assert "said the head of the Lithuanian Ministry of Foreign Affairs Gabrielius Landsbergis." in text
    assert "Meanwhile, the leader of the French Patriots party, Florian Philippot" in text
    assert title.startswith("The Lithuanian Foreign Ministry announced")


def test_express_seed_loses_source_link_and_title_suffix():
    title, body = split_title(seed("004_580c8be870bf90a2.txt"))
    text, removed = clean_text(body)
    assert text.rstrip().endswith("on which the EU and its member states can rely.”")
    assert {"kind": "footer", "text": "Source link"} in removed
    clean, title_removed = clean_title(title)
    assert clean == "‘NATO still considering sending troops to Ukraine’ as Vladimir Putin given stark warning"
    assert title_removed == [{"kind": "title_suffix", "text": " | World | News"}]


def test_title_suffix_only_removed_when_it_names_the_site():
    assert clean_title("Rates rise again - The Daily Planet", site_name="The Daily Planet")[0] == "Rates rise again"
    assert clean_title("Russia-Ukraine war - live updates")[0] == "Russia-Ukraine war - live updates"
    assert clean_title("Storm hits coast – BBC News", outlet="bbc.co.uk")[0] == "Storm hits coast"
    assert clean_title("Was wissen wir? Eine Analyse – DW – 13.06.2023", site_name="DW")[0] == "Was wissen wir? Eine Analyse"
    assert clean_title("Brexit talks resume - UK", outlet="express.co.uk")[0] == "Brexit talks resume - UK"


def test_paragraph_rules():
    assert classify_paragraph("Emmanuel Macron Photo: Ludovic Marin / Reuters") == "caption"
    assert classify_paragraph("Protesters outside parliament (Photo by Jane Doe/Getty Images)") == "caption"
    assert classify_paragraph("Read more") == "footer"
    assert classify_paragraph("The minister said the photo: was taken in May, officials confirmed.") is None
    assert classify_paragraph("A short sentence that ends properly.") is None


def test_first_paragraph_is_kept_even_without_final_punctuation():
    text, removed = clean_text("Lead paragraph without a full stop\n\nSecond paragraph says more.")
    assert text.startswith("Lead paragraph") and not removed
