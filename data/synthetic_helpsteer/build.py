#!/usr/bin/env python3
"""Build the synthetic HelpSteer2-style dataset from the hand-written sources.

Usage (from the repository root):

    python data/synthetic_helpsteer/build.py            # write the three files
    python data/synthetic_helpsteer/build.py --check    # write nothing; exit 1 if
                                                        # the files on disk differ
    python data/synthetic_helpsteer/build.py -v         # also print distributions

Two parts, documented in README.md:

* The original hand-written prompts: every ``source/*.py`` file that defines
  ``TASK`` and ``ITEMS`` (and no ``ENTITIES``).  The deterministic perturbation
  rules are applied, and each prompt is assigned to one split (stratified by
  task, ordered by a SHA-256 hash of its prompt_id).
* The fact and arithmetic pairs: prompts generated from the hand-curated tables
  and templates in ``source/fact_tables.py``, ``source/fact_templates.py`` and
  ``source/arithmetic.py``, plus the hand-written items of the source files that
  define ``ENTITIES``.  Every entity (a fact or an arithmetic problem) and every
  template belongs to exactly one split, and a prompt's split is its entity's.

It runs self-checks and writes ``train.jsonl``, ``validation.jsonl`` and
``test.jsonl`` next to this script.  Output is byte-identical between runs.

Source item format::

    (prompt_id, prompt, [(labels, response), ...])            # or
    (prompt_id, prompt, [(labels, response), ...], check)

``labels`` is a 5-character string of digits in the order helpfulness,
correctness, coherence, complexity, verbosity (e.g. "44331").  ``prompt`` is a
string, or (for multi-turn items) a list of turns alternating user/assistant
that starts and ends with a user turn.  ``check`` is optional: for math a
Python expression that must evaluate to True (the arithmetic behind the answer
labelled correct); for coding a tuple ``(response_index, test_code)``: the
fenced Python code of that response is executed and then ``test_code`` (asserts).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import importlib.util
import json
import random
import re
import sys
import textwrap
from collections import Counter, defaultdict
from pathlib import Path

sys.dont_write_bytecode = True  # keep source/ free of __pycache__
HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"
ATTRS = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
KEYS = {"prompt_id", "task", "source", "template", "entity", "prompt", *ATTRS, "response"}
LEGACY_TASKS = (
    "open_qa", "closed_qa", "math", "coding", "creative_writing", "summarization",
    "extraction", "classification", "brainstorming", "chit_chat", "rewriting", "multi_turn",
)
NEW_TASKS = ("fact_qa", "arithmetic")
TASKS = LEGACY_TASKS + NEW_TASKS
SPLITS = ("train", "validation", "test")
USER = "\n<extra_id_1>User\n"
ASSISTANT = "\n<extra_id_1>Assistant\n"

MIN_PROMPTS = 320  # the original hand-written part
MIN_RESPONSES = 1300
MIN_MULTI_TURN = 40
MIN_NEW_PROMPTS = 900  # the fact and arithmetic part
MIN_NEW_RESPONSES = 6000
GENERATOR_FILES = ("fact_tables.py", "fact_templates.py", "arithmetic.py")


# --------------------------------------------------------------------------- utils

def h(*parts: str) -> int:
    """Stable integer hash of strings (never Python's salted hash())."""
    return int(hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest(), 16)


def clean(text: str) -> str:
    return textwrap.dedent(text).strip()


def clamp(x: int) -> int:
    return max(0, min(4, x))


def lab(s: str) -> dict:
    assert len(s) == 5 and s.isdigit(), s
    vals = [int(c) for c in s]
    assert all(0 <= v <= 4 for v in vals), s
    return dict(zip(ATTRS, vals))


def build_prompt(p) -> str:
    if isinstance(p, str):
        return clean(p)
    turns = [clean(t) for t in p]
    assert len(turns) % 2 == 1 and len(turns) >= 3, "multi-turn prompt must be user/assistant/.../user"
    out = turns[0]
    for i, t in enumerate(turns[1:], start=1):
        out += (ASSISTANT if i % 2 == 1 else USER) + t
    return out


SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def sentences(text: str) -> list[str]:
    return [s for s in SENT_RE.split(text) if s]


def has_code(text: str) -> bool:
    return "```" in text


# --------------------------------------------------------------------- load sources

def load_module(f: Path):
    spec = importlib.util.spec_from_file_location(f"src_{f.stem}", f)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_sources() -> list[dict]:
    """The hand-written items of every source file. Items of a file that defines
    ENTITIES ({prompt_id: entity}) belong to the fact/arithmetic part (group "hand"),
    the others to the original part (group "legacy")."""
    prompts = []
    answers: dict = {}  # ANSWERS = {prompt_id: final-answer token} targets number_swap
    extra: dict = {}  # EXTRA = {prompt_id: [(labels, response), ...]} adds responses to items defined elsewhere
    files = sorted(SOURCE_DIR.glob("*.py"))
    assert files, f"no source files in {SOURCE_DIR}"
    for f in files:
        if f.name.startswith("_") or f.name in GENERATOR_FILES:
            continue
        mod = load_module(f)
        entities = getattr(mod, "ENTITIES", None)
        answers.update(getattr(mod, "ANSWERS", {}))
        for pid, responses in getattr(mod, "EXTRA", {}).items():
            extra.setdefault(pid, []).extend(responses)
        if not hasattr(mod, "ITEMS"):
            continue
        task = mod.TASK
        assert task in TASKS, (f.name, task)
        for item in mod.ITEMS:
            pid, prompt, responses = item[0], item[1], item[2]
            check = item[3] if len(item) > 3 else None
            if task == "multi_turn":
                assert isinstance(prompt, list), pid
            prompts.append({
                "prompt_id": pid,
                "task": task,
                "prompt": build_prompt(prompt),
                "responses": [
                    {"source": "written", "response": clean(r), **lab(l)} for l, r in responses
                ],
                "check": check,
                "answer": None,
                "file": f.name,
                "group": "legacy" if entities is None else "hand",
                "entity": None if entities is None else entities[pid],
                "template": None,
            })
    by_id = {p["prompt_id"]: p for p in prompts}
    for pid, tok in answers.items():
        assert pid in by_id, f"ANSWERS refers to unknown prompt_id {pid}"
        by_id[pid]["answer"] = tok
    for pid in sorted(extra):
        assert pid in by_id, f"EXTRA refers to unknown prompt_id {pid}"
        by_id[pid]["responses"].extend(
            {"source": "written", "response": clean(r), **lab(l)} for l, r in extra[pid]
        )
    return prompts


# ------------------------------------------------------------------ content checks

CODE_RE = re.compile(r"```(?:python)?\n(.*?)```", re.S)


def run_checks(prompts: list[dict]) -> tuple[int, int]:
    n_math = n_code = 0
    for p in prompts:
        chk = p["check"]
        if chk is None:
            continue
        if isinstance(chk, str):
            safe = {"abs": abs, "round": round, "min": min, "max": max, "sum": sum, "range": range, "all": all, "any": any}
            ok = eval(chk, {"__builtins__": safe})
            assert ok is True, f"{p['prompt_id']}: arithmetic check failed: {chk}"
            n_math += 1
        else:
            idx, test = chk
            resp = p["responses"][idx]["response"]
            blocks = CODE_RE.findall(resp)
            assert blocks, f"{p['prompt_id']}: no code block in response {idx}"
            ns: dict = {"__name__": "__check__"}
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec("\n".join(blocks), ns)
                    exec(clean(test), ns)
            except Exception as e:  # pragma: no cover - reports which item failed
                raise AssertionError(f"{p['prompt_id']}: code check failed: {e!r}") from e
            n_code += 1
    return n_math, n_code


# ---------------------------------------------------------------------- perturbations

FILLER_OPEN = [
    "That is a really great question, and it is one that a lot of people find themselves wondering about at one point or another.",
    "Thank you so much for asking this. Before getting into it, it is worth saying that this is the kind of topic where it helps to take things step by step.",
    "Great question! There are many different ways to think about this, and people have many different opinions, so let me share some thoughts.",
    "I'm glad you asked. This is something that comes up quite often, and it is always nice to have a chance to talk about it.",
    "Sure, I can definitely help with that. It is important to approach this carefully and thoughtfully, as with anything.",
    "What an interesting thing to ask about. Let me take a moment to think about it before I give you an answer.",
]
FILLER_MID = [
    "As I mentioned, this is an important point to keep in mind.",
    "It is worth noting that there are many factors involved in all of this.",
    "Of course, everyone's situation is different, and that is important to remember.",
    "This is something that many people find interesting when they think about it.",
    "In other words, it really does depend on a lot of things.",
    "At the end of the day, what matters most is understanding the basics.",
]
FILLER_CLOSE = [
    "I hope this helps! Let me know if you have any other questions, because I am always happy to help with anything else you might need.",
    "In conclusion, as we have seen, there is a lot to say about this topic, and hopefully this answer has covered what you were looking for in a helpful way.",
    "Overall, it is a topic with many sides, and it is always good to keep learning more about it. Feel free to ask if anything is unclear.",
    "To sum up, this is what I would say about it, but of course there is always more to explore if you are interested in going deeper.",
    "Thanks again for the question. It was a pleasure to answer, and I hope the information above is useful to you in some way.",
]

# tasks where a final answer is exact, so losing it costs correctness more
EXACT_TASKS = {"math", "coding", "closed_qa", "extraction", "classification"}
# number_swap applies to these tasks (last number of the response, or the declared
# ANSWERS token), and to any other item that declares an ANSWERS token
NUMBER_TASKS = {"open_qa", "closed_qa", "math", "extraction", "summarization", "rewriting"}
# a number not glued to a word, a time (12:30), a range (2-3) or a longer number
NUM_L = r"(?<![\w.,:])(?<!\d-)"
NUM_R = r"(?![\w]|,\d{3}|\.\d|:\d|-\d)"
NUM_RE = re.compile(NUM_L + r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)" + NUM_R)


def _swap_value(tok: str, seed: int) -> str:
    if "," in tok and "." in tok:
        dec = len(tok.split(".")[1])
        v = float(tok.replace(",", "")) * (1.25 if seed % 2 else 0.8)
        return f"{v:,.{dec}f}"
    if "," in tok:
        n = int(tok.replace(",", ""))
        d = max(1, round(n * 0.2))
        return f"{n + d if seed % 2 else max(1, n - d):,}"
    if "." in tok:
        dec = len(tok.split(".")[1])
        v = float(tok) * (1.25 if seed % 2 else 0.8)
        new = f"{v:.{dec}f}"
        return new if new != tok else f"{float(tok) + 10 ** -dec:.{dec}f}"
    n = int(tok)
    if 1000 <= n <= 2100:  # looks like a year
        d = 2 + seed % 8
        return str(n + d if seed % 2 else n - d)
    if n == 0:
        return "1"
    d = max(1, round(n * 0.25))
    return str(n + d if (seed % 2 or n - d <= 0) else n - d)


def number_swap(text: str, seed: int, target: str | None = None) -> str | None:
    """Change one number everywhere it occurs: the declared final answer when the
    item has one (ANSWERS in the source file), otherwise the last number."""
    if target is not None:
        if not re.search(NUM_L + re.escape(target) + NUM_R, text):
            raise AssertionError(f"declared answer {target!r} not found in response")
        return _replace_number(text, target, seed)
    cands = []
    for m in NUM_RE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text[line_start:m.start()].strip() == "" and text[m.end():m.end() + 1] in ".)":
            continue  # list marker like "1." or "2)"
        cands.append(m)
    if not cands:
        return None
    return _replace_number(text, cands[-1].group(1), seed)  # last number: usually the key figure


def _replace_number(text: str, tok: str, seed: int) -> str | None:
    new = _swap_value(tok, seed)
    pat = re.compile(NUM_L + re.escape(tok) + NUM_R)
    out = pat.sub(lambda m: new, text)
    return out if out != text else None


def truncate(text: str, seed: int) -> str | None:
    words = text.split(" ")
    if len(words) < 24:
        return None
    frac = 0.45 + (seed % 20) / 100.0  # cut between 45% and 64% of the words
    k = int(len(words) * frac)
    # move the cut so it does not land right after a sentence end
    while k < len(words) - 3 and re.search(r"[.!?:]$|\n", words[k - 1]):
        k += 1
    cut = " ".join(words[:k]).rstrip(",;:- \n")
    if re.search(r"[.!?]$", cut):
        return None
    return cut


def shuffle_sentences(text: str, seed: int) -> str | None:
    if "\n" in text or has_code(text):
        return None
    sents = sentences(text)
    if len(sents) < 4:
        return None
    rng = random.Random(seed)
    order = list(range(len(sents)))
    for _ in range(50):
        rng.shuffle(order)
        if order[0] != 0 and sum(1 for i, j in enumerate(order) if i == j) <= len(order) // 3:
            break
    else:
        return None
    return " ".join(sents[i] for i in order)


def pad(text: str, seed: int) -> str:
    a = FILLER_OPEN[seed % len(FILLER_OPEN)]
    b = FILLER_MID[(seed // 7) % len(FILLER_MID)]
    c = FILLER_CLOSE[(seed // 53) % len(FILLER_CLOSE)]
    paras = text.split("\n\n")
    if len(paras) >= 2 and not has_code(text):
        mid = len(paras) // 2
        body = "\n\n".join(paras[:mid] + [b] + paras[mid:])
    elif not has_code(text) and "\n" not in text and len(sentences(text)) >= 2:
        s = sentences(text)
        mid = len(s) // 2
        body = " ".join(s[:mid] + [b] + s[mid:])
    else:
        body = text
    return f"{a}\n\n{body}\n\n{c}"


def repeat_sentence(text: str, seed: int) -> str | None:
    if has_code(text):
        return None
    if "\n" in text:
        lines = text.split("\n")
        idxs = [i for i, l in enumerate(lines) if len(l.split()) >= 5]
        if not idxs:
            return None
        i = idxs[seed % len(idxs)]
        lines = lines[: i + 1] + [lines[i], lines[i]] + lines[i + 1:]
        return "\n".join(lines)
    sents = sentences(text)
    if len(sents) < 2:
        return None
    i = seed % len(sents)
    return " ".join(sents[: i + 1] + [sents[i], sents[i]] + sents[i + 1:] + [sents[i]])


def relabel(src: dict, rule: str, task: str, donor: dict | None = None) -> dict:
    hl, c, co, cx, v = (src[a] for a in ATTRS)
    if rule == "truncation":
        out = (hl - 2, c - (2 if task in EXACT_TASKS else 1), co - 1, cx, v - 1)
    elif rule == "sentence_shuffle":
        out = (hl - 1, c, min(co - 2, 2), cx, v)
    elif rule == "number_swap":
        out = (1, min(c, 1), co, cx, v)
    elif rule == "filler_padding":
        out = (hl - 1, c, co, cx, max(v + 2, 3))
    elif rule == "sentence_repetition":
        out = (hl - 2, c, co - 2, cx, v + 1)
    elif rule == "off_topic":
        out = (0, 0, donor["coherence"] - 1, donor["complexity"], donor["verbosity"])
    else:
        raise ValueError(rule)
    return dict(zip(ATTRS, (clamp(x) for x in out)))


RULES = ("truncation", "sentence_shuffle", "number_swap", "filler_padding", "sentence_repetition", "off_topic")


def best_response(p: dict) -> dict | None:
    good = [r for r in p["responses"] if r["source"] == "written"
            and r["helpfulness"] >= 3 and r["correctness"] >= 3 and r["coherence"] >= 3]
    if not good:
        return None
    # highest helpfulness+correctness; ties -> the first written
    return max(good, key=lambda r: (r["helpfulness"] + r["correctness"], -p["responses"].index(r)))


def perturb(prompts: list[dict], split_of: dict) -> None:
    by_split = defaultdict(list)
    for p in prompts:
        by_split[split_of[p["prompt_id"]]].append(p)
    usage = Counter()
    for p in sorted(prompts, key=lambda q: h(q["prompt_id"], "perturb-order")):
        pid = p["prompt_id"]
        src = best_response(p)
        if src is None:
            continue
        seed = h(pid, "perturb")
        n_rules = 1 + (seed % 2)  # one or two perturbations per prompt
        # least-used rules first (keeps the six rules balanced), ties broken by hash
        order = sorted(RULES, key=lambda r: (usage[r], h(pid, r)))
        made = []
        for rule in order:
            if len(made) >= n_rules:
                break
            s = h(pid, rule, "seed")
            donor = None
            if rule == "truncation":
                text = truncate(src["response"], s)
            elif rule == "sentence_shuffle":
                text = None if p["task"] in ("math", "coding") else shuffle_sentences(src["response"], s)
            elif rule == "number_swap":
                text = (number_swap(src["response"], s, p["answer"])
                        if p["task"] in NUMBER_TASKS or p["answer"] else None)
            elif rule == "filler_padding":
                text = pad(src["response"], s)
            elif rule == "sentence_repetition":
                text = repeat_sentence(src["response"], s)
            else:
                pool = [q for q in by_split[split_of[pid]] if q["task"] != p["task"] and best_response(q)]
                pool.sort(key=lambda q: h(pid, q["prompt_id"], "donor"))
                donor = best_response(pool[0])
                text = donor["response"]
            if text is None or text == src["response"]:
                continue
            labels = relabel(src, rule, p["task"], donor)
            made.append({"source": rule, "response": text, **labels})
            usage[rule] += 1
        p["responses"].extend(made)


# ------------------------------------------------------- fact and arithmetic pairs
#
# Each generated prompt gets four fixed responses (right/wrong x short/long, the
# wrong ones in exactly the right ones' template) and three of the eight
# degraded kinds in GEN_POOL, chosen least-used-first (ties by hash) so the kinds
# stay balanced. Labels per kind are fixed (GEN_LABELS); verbosity comes from
# the word count (gen_verbosity). See README.md for the rating rules.

GEN_FIXED = ("right_short", "right_long", "wrong_short", "wrong_long")
GEN_POOL = ("hedge", "hedge_options", "shuffled", "repeated", "looped", "truncated", "padded", "wrong_padded")
GEN_PER_PROMPT = 3
# (helpfulness, correctness, coherence, complexity); verbosity from the words
GEN_LABELS = {
    "right_short": (4, 4, 4, 0),
    "right_long": (4, 4, 4, 1),
    "wrong_short": (1, 0, 4, 0),
    "wrong_long": (1, 0, 4, 1),
    "hedge": (0, 1, 4, 0),
    "hedge_options": (1, 2, 4, 0),
    "shuffled": (0, 0, 0, 0),
    "repeated": (2, 4, 2, 1),
    "looped": (0, 0, 1, 0),
    "truncated": (0, 0, 1, 0),  # cut before the answer
    "truncated_after_answer": (2, 3, 2, 1),  # cut later, in the second sentence
    "padded": (2, 4, 3, 1),
    "wrong_padded": (0, 0, 3, 1),
}
GEN_SOURCES = tuple(f"gen:{k}" for k in GEN_LABELS)
MID_THE = {"currency", "river", "unit"}  # answers used after "the"
NUM_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
             "fifteen sixteen seventeen eighteen nineteen").split()
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def gen_verbosity(text: str, kind: str) -> int:
    n = len(text.split())
    if kind in ("padded", "wrong_padded"):
        return 4 if n > 85 else 3  # padded rambling for a one-fact question
    return 0 if n <= 6 else 1 if n <= 40 else 2 if n <= 85 else 3


def num_text(n: int, style: str) -> str:
    if style == "words":
        if 0 <= n < 20:
            return NUM_WORDS[n]
        if 20 <= n < 100:
            return TENS[n // 10] + ("" if n % 10 == 0 else "-" + NUM_WORDS[n % 10])
        if n == 100:
            return "one hundred"
        raise AssertionError(f"no word form for {n}")
    return f"{n:,}" if abs(n) >= 10000 else str(n)


def fact_style(values: list, template_style: str | None, relation: str, number_style: dict) -> str:
    """Words or digits for a fact's numbers: the relation's fixed style, else the
    template's, but digits whenever a value (right or wrong) is over 100."""
    style = number_style.get(relation) or template_style or "digits"
    if style == "words" and any(isinstance(v, int) and not 0 <= v <= 100 for v in values):
        style = "digits"
    return style


PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)$")


def render(pattern: str, slots: dict, style: str = "digits") -> str:
    """Fill in a pattern. A value placed at a sentence start of the pattern gets a
    capital first letter; ints become words or digits ({N:noun} adds the noun)."""
    out, pos = [], 0
    for m in PLACEHOLDER.finditer(pattern):
        out.append(pattern[pos:m.start()])
        val = slots[m.group(1)]
        txt = num_text(val, style) if isinstance(val, int) else str(val)
        if m.group(2):
            txt += " " + (m.group(2) if val == 1 else m.group(2) + "s")
        if SENTENCE_START.search(pattern[:m.start()]) and txt:
            txt = txt[0].upper() + txt[1:]
        if txt.endswith(".") and pattern[m.end():m.end() + 1] == ".":
            txt = txt[:-1]  # "Washington, D.C." before a full stop
        out.append(txt)
        pos = m.end()
    out.append(pattern[pos:])
    return "".join(out)


def word_re(token: str) -> re.Pattern:
    """The token as a whole word; its first letter in either case (sentence starts)."""
    first = token[0]
    head = f"[{first.lower()}{first.upper()}]" if first.isalpha() else re.escape(first)
    return re.compile(r"(?<![\w-])" + head + re.escape(token[1:]) + r"(?!\w)")


ABBREV = re.compile(r"(?:^|\s)(?:[A-Z]\.|Dr\.|St\.|Mr\.|Mrs\.)$")


def gen_sentences(text: str) -> list[str]:
    """Sentences of a generated answer; initials and titles ("J. K.", "Dr.") do not end one."""
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z0-9])", text):
        if ABBREV.search(text[start:m.start()]):
            continue
        out.append(text[start:m.start()])
        start = m.end()
    out.append(text[start:])
    return [x for x in out if x]


def answer_word_index(text: str, token: str) -> int | None:
    """Index of the first word of `text` that starts the answer token."""
    m = word_re(token).search(text)
    if m is None:
        return None
    return len(text[:m.start()].split())


def shuffle_words(text: str, seed: int) -> str | None:
    words = text.split()
    if len(words) < 6:
        return None
    rng = random.Random(seed)
    order = list(range(len(words)))
    for _ in range(100):
        rng.shuffle(order)
        if order[0] != 0 and sum(i == j for i, j in enumerate(order)) <= len(order) // 3:
            return " ".join(words[i] for i in order)
    return None


def repeat_answer_sentence(text: str, token: str) -> str:
    """The first sentence that gives the answer said three times in a row and once more at the end."""
    s = gen_sentences(text)
    i = next(i for i, x in enumerate(s) if word_re(token).search(x))
    return " ".join([*s[: i + 1], s[i], s[i], *s[i + 1:], s[i]]) if len(s) > 1 else " ".join([s[0]] * 3)


def loop_words(text: str, token: str, seed: int) -> str | None:
    """A degenerate loop: the words before the answer, then the last two of them
    over and over; the answer never comes."""
    i = answer_word_index(text, token)
    if i is None or i < 3:
        return None
    words = [w.rstrip(".,;:!?") for w in text.split()[: min(i, 5)]]
    chunk = words[-2:]
    return " ".join(words + chunk * (6 + seed % 3))


def truncate_gen(text: str, token: str, seed: int) -> tuple[str, str] | None:
    """Cut mid-sentence: before the answer ("truncated") or, where the answer is in
    the first of two sentences, half-way through the second ("truncated_after_answer")."""
    i = answer_word_index(text, token)
    words = text.split()
    options = []
    if i is not None and i >= 3:
        options.append(("truncated", " ".join(words[:i]).rstrip(",;:")))
    s = gen_sentences(text)
    if len(s) >= 2 and word_re(token).search(s[0]) and len(s[1].split()) >= 6:
        first = len(s[0].split())
        k = first + max(3, len(s[1].split()) // 2)
        cut = " ".join(words[:k]).rstrip(",;:")
        if not re.search(r"[.!?]$", cut):
            options.append(("truncated_after_answer", cut))
    if not options:
        return None
    return options[seed % len(options)]


def load_generator() -> tuple:
    return tuple(load_module(SOURCE_DIR / name) for name in GENERATOR_FILES)


def arithmetic_problems(ar) -> list[dict]:
    """The arithmetic problems: op, operands (as displayed), result, entity key."""
    out = []
    for op, n in ar.COUNTS.items():
        if op == "add":
            cands = [(a, b) for a in range(2, 61) for b in range(a, 61)]
        elif op == "sub":
            cands = [(a, b) for a in range(10, 100) for b in range(2, a) if a != 2 * b]
        elif op == "mul":
            cands = [(a, b) for a in range(2, 13) for b in range(a, 13)]
        else:
            cands = [(b * q, b) for b in range(2, 13) for q in range(2, 13) if q != b]
        cands.sort(key=lambda ab: h(op, str(ab[0]), str(ab[1]), "pick"))
        for a, b in cands[:n]:
            key = f"arith:{op}:{a},{b}"
            if op in ("add", "mul") and h(key, "order") % 2:
                a, b = b, a  # commutative: show either order, one entity
            r = {"add": a + b, "sub": a - b, "mul": a * b, "div": a // b}[op]
            assert op != "div" or a % b == 0
            out.append({"op": op, "a": a, "b": b, "r": r, "entity": key})
    return out


def arithmetic_wrongs(p: dict, offsets: list) -> list[int]:
    a, b, r = p["a"], p["b"], p["r"]
    vals = []
    for off in sorted(offsets, key=lambda o: h(p["entity"], str(o), "wrong")):
        if off == "swap":
            v = a + b
        elif isinstance(off, str):
            v = r + (1 if off[0] == "+" else -1) * (a if off[1] == "a" else b)
        else:
            v = r + off
        if v > 0 and v != r and v not in vals and v not in (a, b):
            vals.append(v)
    assert len(vals) >= 2, p
    return vals[:2]


def entity_splits(groups: dict, forced: dict) -> dict:
    """Each entity to one split: forced ones first, then per group in SHA-256 order,
    the first round(10%) to test, the next round(10%) to validation, the rest to train."""
    out = {}
    for group in sorted(groups):
        keys = sorted(groups[group], key=lambda k: h(k, "entity-split"))
        n = len(keys)
        quota = {"test": max(1, round(n * 0.1)), "validation": max(1, round(n * 0.1))}
        count = Counter()
        for k in keys:
            if k in forced:
                out[k] = forced[k]
                count[forced[k]] += 1
        for k in keys:
            if k in forced:
                continue
            s = next((s for s in ("test", "validation") if count[s] < quota[s]), "train")
            out[k] = s
            count[s] += 1
    return out


def degraded(kind: str, forms: dict, seed: int, split: str, pools: dict) -> tuple[str, str] | None:
    """One degraded response (source kind, text), or None where the kind does not apply."""
    if kind == "hedge":
        pool = pools["hedge"][split]
        return kind, render(pool[seed % len(pool)], {"kinds": forms["noun"]})
    if kind == "hedge_options":
        pool = pools["options"][split]
        x, y = forms["mid"] if seed % 2 else forms["mid"][::-1]
        return kind, render(pool[seed % len(pool)], {"X": x, "Y": y})
    if kind == "shuffled":
        text = shuffle_words(forms["right_long"], seed)
        return None if text is None else (kind, text)
    if kind == "repeated":
        return kind, repeat_answer_sentence(forms["right_long"], forms["token"])
    if kind == "looped":
        text = loop_words(forms["right_long"], forms["token"], seed)
        return None if text is None else (kind, text)
    if kind == "truncated":
        return truncate_gen(forms["right_long"], forms["token"], seed)
    o, c = pools["open"][split], pools["close"][split]
    body = forms["right_long"] if kind == "padded" else forms["wrong_long"]
    return kind, f"{o[seed % len(o)]}\n\n{body}\n\n{c[(seed // 11) % len(c)]}"


def gen_response(source: str, text: str) -> dict:
    hl, c, co, cx = GEN_LABELS[source]
    return {"source": f"gen:{source}", "response": text,
            **dict(zip(ATTRS, (hl, c, co, cx, gen_verbosity(text, source)), strict=True))}


def generate(legacy_split: dict, hand: list[dict]) -> tuple[list[dict], dict]:
    """All generated prompts, and the split of every entity (generated and hand)."""
    tables, tmpl, ar = load_generator()
    pools = {"hedge": tmpl.HEDGES, "options": tmpl.OPTION_HEDGES, "open": tmpl.PAD_OPEN, "close": tmpl.PAD_CLOSE}
    for pool in pools.values():
        assert set(pool) == set(SPLITS), pool.keys()
        texts = [t for s in SPLITS for t in pool[s]]
        assert len(texts) == len(set(texts)), "a phrase is in two splits"

    jobs = []  # (entity, family of templates, template-id prefix, form builder)
    for rel, rows in tables.UNIFORM.items():
        for f in rows:
            jobs.append((f"{rel}:{f[0]}", rel, rel, f"fq-{rel}-{f[0]}", "fact_qa",
                         lambda t, rel=rel, f=f: fact_forms(rel, "uniform", f, t, tables)))
    for rel, rows in tables.PHRASED.items():
        for f in rows:
            jobs.append((f"{rel}:{f[0]}", rel, "general", f"fq-{rel}-{f[0]}", "fact_qa",
                         lambda t, rel=rel, f=f: fact_forms(rel, "phrased", f, t, tables)))
    for p in arithmetic_problems(ar):
        jobs.append((p["entity"], f"arith:{p['op']}", "arith", f"ar-{p['op']}-{p['a']}-{p['b']}", "arithmetic",
                     lambda t, p=p: arith_forms(p, t, ar)))

    groups = defaultdict(list)
    for entity, group, *_ in jobs:
        groups[group].append(entity)
    known = {j[0] for j in jobs}
    assert len(known) == len(jobs), "duplicate entity"
    for p in hand:
        if p["entity"] not in known:
            groups["hand"].append(p["entity"])
    forced = {k: "test" for k in tables.RESERVED_TEST}
    for k, pid in tables.LINKED.items():
        assert pid in legacy_split, (k, pid)
        forced[k] = legacy_split[pid]
    assert set(forced) <= known, set(forced) - known
    split_of = entity_splits(groups, forced)

    families = {**tmpl.TEMPLATES, "arith": ar.TEMPLATES}
    by_split = {}
    for fam, rows in families.items():
        for row in rows:
            by_split.setdefault((fam, row[1]), []).append(row)
        assert all((fam, s) in by_split for s in SPLITS), f"{fam} lacks a split"

    # templates round-robin per (group, split), in entity-hash order
    used = Counter()
    chosen_template = {}
    for entity, group, fam, *_ in sorted(jobs, key=lambda j: h(j[0], "template-order")):
        rows = by_split[fam, split_of[entity]]
        chosen_template[entity] = rows[used[group, split_of[entity]] % len(rows)]
        used[group, split_of[entity]] += 1

    # degraded kinds: least-used first (ties by hash), in prompt-hash order
    usage = Counter()
    out = []
    for entity, _group, fam, pid, task, build in sorted(jobs, key=lambda j: h(j[3], "kind-order")):
        split = split_of[entity]
        t = chosen_template[entity]
        forms = build(t)
        responses = [gen_response(k, forms[k]) for k in GEN_FIXED]
        for kind in sorted(GEN_POOL, key=lambda k: (usage[k], h(pid, k))):
            if len(responses) == len(GEN_FIXED) + GEN_PER_PROMPT:
                break
            made = degraded(kind, forms, h(pid, kind, "seed"), split, pools)
            if made is not None:
                responses.append(gen_response(*made))
                usage[kind] += 1
        out.append({
            "prompt_id": pid, "task": task, "prompt": forms["prompt"], "responses": responses,
            "group": "gen", "template": f"{fam}/{t[0]}", "template_split": t[1], "entity": entity,
            "forms": forms,
        })
    return out, split_of


def fact_forms(rel: str, kind: str, f: tuple, t: tuple, tables) -> dict:
    if kind == "uniform":
        key, slots, right, wrongs = f
        _tid, _split, q, long_p, short_p, *rest = t
        style = fact_style([right, *wrongs], rest[0] if rest else None, rel, tables.NUMBER_STYLE)

        def say(v, pattern):
            return render(pattern, {**slots, "A": v, "N": v}, style)

        def mid(v):
            return num_text(v, style) if isinstance(v, int) else ("the " + v if rel in MID_THE else v)

        prompt = render(q, slots, style)
        token = num_text(right, style) if isinstance(right, int) else right
        wtok = [num_text(w, style) if isinstance(w, int) else w for w in wrongs]
    else:
        key, question, statement, right, wrongs = f
        _tid, _split, q, long_p, short_p, tstyle = t
        style = fact_style([right, *wrongs], tstyle, rel, tables.NUMBER_STYLE)
        article = "the " if "the {A}" in statement else "a " if re.search(r"\ba \{A\}", statement) else ""

        def val(v):
            return num_text(v, style) if isinstance(v, int) else v

        def mid(v):
            return article + val(v)

        def say(v, pattern):
            return render(pattern, {"Q": question, "S": render(statement, {"A": val(v)}), "A": mid(v)}, style)

        prompt = render(q, {"Q": question})
        token = val(right)
        wtok = [val(w) for w in wrongs]
    ordered = sorted(wrongs, key=lambda w: h(rel, key, str(w), "wrong"))
    w1, w2 = ordered[0], ordered[1]
    return {
        "prompt": prompt,
        "right_short": say(right, short_p), "right_long": say(right, long_p),
        "wrong_short": say(w1, short_p), "wrong_long": say(w1, long_p),
        "mid": (mid(right), mid(w2)), "noun": tables.KIND_NOUN[rel],
        "token": token, "wrong_tokens": wtok,
    }


def arith_forms(p: dict, t: tuple, ar) -> dict:
    _tid, _split, q, long_p, short_p = t
    sym, word, imp, ger = ar.OPS[p["op"]]
    base = {"a": p["a"], "b": p["b"], "sym": sym, "word": word}
    base["imp"] = render(imp, base)
    base["ger"] = render(ger, base)
    w1, w2 = arithmetic_wrongs(p, ar.WRONG_OFFSETS[p["op"]])

    def say(v, pattern):
        return render(pattern, {**base, "r": v})

    return {
        "prompt": render(q, base),
        "right_short": say(p["r"], short_p), "right_long": say(p["r"], long_p),
        "wrong_short": say(w1, short_p), "wrong_long": say(w1, long_p),
        "mid": (str(p["r"]), str(w2)), "noun": "numbers",
        "token": str(p["r"]), "wrong_tokens": [str(w1), str(w2)],
        "check": (p["op"], p["a"], p["b"], p["r"], w1, w2),
    }


# ----------------------------------------------------------------------------- splits

def assign_splits(prompts: list[dict]) -> dict:
    split_of = {}
    by_task = defaultdict(list)
    for p in prompts:
        by_task[p["task"]].append(p["prompt_id"])
    for task, ids in sorted(by_task.items()):
        ids = sorted(ids, key=lambda i: h(i, "split"))
        n = len(ids)
        n_test = max(1, round(n * 0.1))
        n_val = max(1, round(n * 0.1))
        for k, pid in enumerate(ids):
            split_of[pid] = "test" if k < n_test else "validation" if k < n_test + n_val else "train"
    return split_of


# ------------------------------------------------------------------------------ main

def check_generated(gen: list[dict], split_of: dict, entity_split: dict) -> None:
    """Self-checks of the generated prompts (beyond the checks on every row)."""
    for p in gen:
        pid, f = p["prompt_id"], p["forms"]
        assert p["template_split"] == entity_split[p["entity"]] == split_of[pid], pid
        by = {r["source"]: r for r in p["responses"]}
        assert len(by) == len(p["responses"]), f"{pid}: a kind twice"
        assert len({r["response"] for r in p["responses"]}) == len(p["responses"]), f"{pid}: duplicate response"
        assert len(p["responses"]) == len(GEN_FIXED) + GEN_PER_PROMPT, pid
        right, wrong = word_re(f["token"]), [word_re(w) for w in f["wrong_tokens"]]
        for k in ("gen:right_short", "gen:right_long"):
            assert right.search(by[k]["response"]), (pid, k)
            assert by[k]["correctness"] == 4 and by[k]["helpfulness"] == 4
        for k in ("gen:wrong_short", "gen:wrong_long"):
            text = by[k]["response"]
            assert not right.search(text), (pid, k, text)  # the right answer is not in a wrong one
            assert any(w.search(text) for w in wrong), (pid, k, text)
            assert by[k]["correctness"] <= 1 and by[k]["helpfulness"] <= 1
        # short and long of the same answer are rated alike on helpfulness and correctness
        for a, b in (("right_short", "right_long"), ("wrong_short", "wrong_long")):
            ra, rb = by["gen:" + a], by["gen:" + b]
            assert (ra["helpfulness"], ra["correctness"]) == (rb["helpfulness"], rb["correctness"]), pid
        for k in ("gen:looped", "gen:truncated", "gen:hedge"):
            if k in by:
                assert not right.search(by[k]["response"]), (pid, k, by[k]["response"])
        if "gen:shuffled" in by:
            assert sorted(by["gen:shuffled"]["response"].split()) == sorted(f["right_long"].split())
        if "gen:hedge_options" in by:
            assert right.search(by["gen:hedge_options"]["response"]), pid
        if p["task"] == "arithmetic":
            op, a, b, r, w1, w2 = f["check"]
            assert r == {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[op], pid
            assert r not in (w1, w2) and min(a, b, r, w1, w2) > 0, pid


def build() -> tuple[dict, dict]:
    """All rows per split, and figures for the report."""
    prompts = load_sources()
    legacy = [p for p in prompts if p["group"] == "legacy"]
    hand = [p for p in prompts if p["group"] == "hand"]
    assert all(p["task"] in LEGACY_TASKS for p in legacy) and all(p["task"] in NEW_TASKS for p in hand)
    for p in prompts:
        assert len(p["responses"]) >= 2, f"{p['prompt_id']}: needs at least two written responses"
    n_math, n_code = run_checks(prompts)
    for p in legacy:
        if p["answer"] is not None:
            src = best_response(p)
            assert src is not None and number_swap(src["response"], 0, p["answer"]), p["prompt_id"]

    # the original part: split and perturbed exactly as before the fact/arithmetic part existed
    split_of = assign_splits(legacy)
    perturb(legacy, split_of)
    # the fact/arithmetic part: split by entity
    gen, entity_split = generate(split_of, hand)
    tables = load_module(SOURCE_DIR / "fact_tables.py")
    by_id = {p["prompt_id"]: p for p in legacy}
    for entity, pid in tables.LINKED.items():
        assert by_id[pid]["entity"] is None, pid
        by_id[pid]["entity"] = entity
    for p in hand + gen:
        split_of[p["prompt_id"]] = entity_split[p["entity"]]
    check_generated(gen, split_of, entity_split)
    everything = legacy + hand + gen

    ids = [p["prompt_id"] for p in everything]
    dup_ids = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup_ids, f"duplicate prompt_ids: {dup_ids}"
    dup_prompts = [t for t, c in Counter(p["prompt"] for p in everything).items() if c > 1]
    assert not dup_prompts, f"duplicate prompt texts: {dup_prompts[:3]}"

    rows = {s: [] for s in SPLITS}
    for p in sorted(everything, key=lambda p: h(p["prompt_id"], "order")):
        for r in p["responses"]:
            row = {
                "prompt_id": p["prompt_id"],
                "task": p["task"],
                "source": r["source"],
                "template": p.get("template"),
                "entity": p.get("entity"),
                "prompt": p["prompt"],
                "response": r["response"],
                **{a: r[a] for a in ATTRS},
            }
            rows[split_of[p["prompt_id"]]].append(row)

    # ------------------------------------------------------------- self-checks
    all_rows = [r for s in SPLITS for r in rows[s]]
    seen_pairs = set()
    first_split = {}
    for s in SPLITS:
        for r in rows[s]:
            assert set(r) == KEYS, set(r) ^ KEYS
            for a in ATTRS:
                assert isinstance(r[a], int) and 0 <= r[a] <= 4, (r["prompt_id"], a, r[a])
            assert isinstance(r["prompt_id"], str) and r["task"] in TASKS
            assert r["source"] == "written" or r["source"] in RULES or r["source"] in GEN_SOURCES
            assert r["prompt"].strip() and r["response"].strip()
            pair = (r["prompt"], r["response"])
            assert pair not in seen_pairs, f"duplicate (prompt, response): {r['prompt_id']}"
            seen_pairs.add(pair)
            # no prompt id, prompt text, template or entity in two splits
            for key in ("ID:" + r["prompt_id"], "TEXT:" + r["prompt"],
                        r["template"] and "TEMPLATE:" + r["template"], r["entity"] and "ENTITY:" + r["entity"]):
                if key:
                    assert first_split.setdefault(key, s) == s, f"{key[:80]} is in two splits"
            if r["task"] == "multi_turn":
                assert r["prompt"].count("<extra_id_1>Assistant\n") >= 1 and r["prompt"].count("<extra_id_1>User\n") >= 1
            else:
                assert "<extra_id_1>" not in r["prompt"]
            assert (r["template"] is None) == (r["task"] in LEGACY_TASKS or not r["source"].startswith("gen:"))
            assert r["entity"] is not None or r["task"] in LEGACY_TASKS
    # every prompt has responses of clearly different quality
    quality = defaultdict(set)
    for r in all_rows:
        quality[r["prompt_id"]].add(r["helpfulness"] + r["correctness"])
    flat = [pid for pid, q in quality.items() if max(q) - min(q) < 2]
    assert not flat, f"prompts whose responses are all of similar quality: {flat[:5]}"

    legacy_rows = [r for r in all_rows if r["task"] in LEGACY_TASKS]
    new_rows = [r for r in all_rows if r["task"] in NEW_TASKS]
    assert len(legacy) >= MIN_PROMPTS, len(legacy)
    assert len(legacy_rows) >= MIN_RESPONSES, len(legacy_rows)
    assert sum(p["task"] == "multi_turn" for p in legacy) >= MIN_MULTI_TURN
    assert len(hand) + len(gen) >= MIN_NEW_PROMPTS, len(hand) + len(gen)
    assert len(new_rows) >= MIN_NEW_RESPONSES, len(new_rows)
    for s in SPLITS:
        missing = set(TASKS) - {r["task"] for r in rows[s]}
        assert not missing, f"{s} lacks tasks {missing}"
    n_written = sum(r["source"] == "written" for r in legacy_rows)
    assert n_written / len(legacy_rows) >= 0.6, n_written / len(legacy_rows)

    figures = {"prompts": everything, "split_of": split_of, "n_math": n_math, "n_code": n_code}
    return rows, figures


def serialise(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def relation_of(p: dict) -> str:
    """The relation of a fact/arithmetic prompt: "capital", "arith:add", ..., or "hand:..."
    for a hand-written item whose entity is not in the tables."""
    parts = p["entity"].split(":")
    name = ":".join(parts[:2]) if parts[0] == "arith" else parts[0]
    return f"{name} ({'written' if p['group'] == 'hand' else 'generated'})"


def report(rows: dict, figures: dict, verbose: bool) -> None:
    all_rows = [r for s in SPLITS for r in rows[s]]
    prompts, split_of = figures["prompts"], figures["split_of"]
    n_written = sum(r["source"] == "written" for r in all_rows)
    print(f"prompts: {len(prompts)}  responses: {len(all_rows)}  "
          f"written: {n_written} ({100 * n_written / len(all_rows):.1f}%)  "
          f"checks: {figures['n_math']} arithmetic, {figures['n_code']} code")
    for s in SPLITS:
        np_ = len({r['prompt_id'] for r in rows[s]})
        print(f"  {s:<10} prompts {np_:>4}  responses {len(rows[s]):>5}")
    print("per task (prompts / responses / train-val-test prompts / train-val-test responses):")
    for t in TASKS:
        tp = [p for p in prompts if p["task"] == t]
        per = Counter(split_of[p["prompt_id"]] for p in tp)
        per_r = Counter(split_of[p["prompt_id"]] for p in tp for _ in p["responses"])
        print(f"  {t:<17} {len(tp):>4} {sum(len(p['responses']) for p in tp):>5}   "
              f"{per['train']}/{per['validation']}/{per['test']}   "
              f"{per_r['train']}/{per_r['validation']}/{per_r['test']}")
    print("per source:", dict(sorted(Counter(r["source"] for r in all_rows).items())))
    print("attribute means:", {a: round(sum(r[a] for r in all_rows) / len(all_rows), 2) for a in ATTRS})
    if verbose:
        print("attribute distributions (all / original part / fact+arithmetic part):")
        parts = (all_rows, [r for r in all_rows if r["task"] in LEGACY_TASKS],
                 [r for r in all_rows if r["task"] in NEW_TASKS])
        for a in ATTRS:
            print(f"  {a:<12}", " / ".join(str(dict(sorted(Counter(r[a] for r in part).items()))) for part in parts))
        wl = [len(r["response"].split()) for r in all_rows]
        print("response words: mean", round(sum(wl) / len(wl), 1), "max", max(wl))
        new = [p for p in prompts if p["task"] in NEW_TASKS]
        print("fact/arithmetic prompts per relation and split:")
        rel = Counter((relation_of(p), split_of[p["prompt_id"]]) for p in new)
        for name in sorted({k[0] for k in rel}):
            print(f"  {name:<24} " + " ".join(f"{rel[name, s]:>4}" for s in SPLITS))
        print("responses per prompt:", dict(sorted(Counter(len(p["responses"]) for p in prompts).items())))
        labels = Counter((r["source"], "".join(str(r[a]) for a in ATTRS)) for r in all_rows if r["task"] in NEW_TASKS)
        print("fact/arithmetic labels per source (h c coh cx v):")
        for src in sorted({k[0] for k in labels}):
            print(f"  {src:<28}", dict(sorted((lab_, n) for (s_, lab_), n in labels.items() if s_ == src)))
        templates = Counter((r["template"], split_of[r["prompt_id"]]) for r in all_rows if r["template"])
        print("templates:", len({t for t, _ in templates}), "per split:",
              {s: len({t for t, s_ in templates if s_ == s}) for s in SPLITS})
        print("file sizes (bytes):", {s: len(serialise(rows[s])) for s in SPLITS})


def main() -> int:
    rows, figures = build()
    data = {s: serialise(rows[s]) for s in SPLITS}
    if "--check" in sys.argv:
        stale = [s for s in SPLITS if not (HERE / f"{s}.jsonl").exists()
                 or (HERE / f"{s}.jsonl").read_bytes() != data[s]]
        if stale:
            print(f"out of date: {', '.join(f'{s}.jsonl' for s in stale)} (run build.py to regenerate)")
            return 1
        print("up to date: train.jsonl, validation.jsonl, test.jsonl are byte-identical to a fresh build")
    else:
        for s in SPLITS:
            (HERE / f"{s}.jsonl").write_bytes(data[s])
    report(rows, figures, "-v" in sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
