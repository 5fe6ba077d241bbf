#!/usr/bin/env python3
"""Build the synthetic HelpSteer2-style dataset from the hand-written sources.

Usage (from the repository root):

    python data/synthetic_helpsteer/build.py

Reads every ``source/*.py`` file (each defines ``TASK`` and ``ITEMS``), applies
the deterministic perturbation rules documented in README.md, assigns each
prompt to one split (stratified by task, ordered by a SHA-256 hash of its
prompt_id), runs self-checks and writes ``train.jsonl``, ``validation.jsonl``
and ``test.jsonl`` next to this script.  Output is byte-identical between runs.

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
KEYS = {"prompt_id", "task", "source", "prompt", *ATTRS, "response"}
TASKS = (
    "open_qa", "closed_qa", "math", "coding", "creative_writing", "summarization",
    "extraction", "classification", "brainstorming", "chit_chat", "rewriting", "multi_turn",
)
SPLITS = ("train", "validation", "test")
USER = "\n<extra_id_1>User\n"
ASSISTANT = "\n<extra_id_1>Assistant\n"

MIN_PROMPTS = 320
MIN_RESPONSES = 1300
MIN_MULTI_TURN = 40


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

def load_sources() -> list[dict]:
    prompts = []
    answers: dict = {}  # ANSWERS = {prompt_id: final-answer token} targets number_swap
    extra: dict = {}  # EXTRA = {prompt_id: [(labels, response), ...]} adds responses to items defined elsewhere
    files = sorted(SOURCE_DIR.glob("*.py"))
    assert files, f"no source files in {SOURCE_DIR}"
    for f in files:
        if f.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"src_{f.stem}", f)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
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

def main() -> int:
    prompts = load_sources()
    ids = [p["prompt_id"] for p in prompts]
    dup_ids = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup_ids, f"duplicate prompt_ids: {dup_ids}"
    dup_prompts = [t for t, c in Counter(p["prompt"] for p in prompts).items() if c > 1]
    assert not dup_prompts, f"duplicate prompt texts: {dup_prompts[:3]}"
    for p in prompts:
        assert len(p["responses"]) >= 2, f"{p['prompt_id']}: needs at least two written responses"
    n_math, n_code = run_checks(prompts)
    for p in prompts:
        if p["answer"] is not None:
            src = best_response(p)
            assert src is not None and number_swap(src["response"], 0, p["answer"]), p["prompt_id"]

    split_of = assign_splits(prompts)
    perturb(prompts, split_of)

    rows = {s: [] for s in SPLITS}
    for p in sorted(prompts, key=lambda p: h(p["prompt_id"], "order")):
        for r in p["responses"]:
            row = {
                "prompt_id": p["prompt_id"],
                "task": p["task"],
                "source": r["source"],
                "prompt": p["prompt"],
                "response": r["response"],
                **{a: r[a] for a in ATTRS},
            }
            rows[split_of[p["prompt_id"]]].append(row)

    # ------------------------------------------------------------- self-checks
    all_rows = [r for s in SPLITS for r in rows[s]]
    seen_pairs = set()
    prompt_split = {}
    for s in SPLITS:
        for r in rows[s]:
            assert set(r) == KEYS, set(r) ^ KEYS
            for a in ATTRS:
                assert isinstance(r[a], int) and 0 <= r[a] <= 4, (r["prompt_id"], a, r[a])
            assert isinstance(r["prompt_id"], str) and r["task"] in TASKS
            assert r["source"] == "written" or r["source"] in RULES
            assert r["prompt"].strip() and r["response"].strip()
            pair = (r["prompt"], r["response"])
            assert pair not in seen_pairs, f"duplicate (prompt, response): {r['prompt_id']}"
            seen_pairs.add(pair)
            assert prompt_split.setdefault(r["prompt_id"], s) == s, f"{r['prompt_id']} crosses splits"
            assert prompt_split.setdefault("TEXT:" + r["prompt"], s) == s, "prompt text crosses splits"
            if r["task"] == "multi_turn":
                assert r["prompt"].count("<extra_id_1>Assistant\n") >= 1 and r["prompt"].count("<extra_id_1>User\n") >= 1
            else:
                assert "<extra_id_1>" not in r["prompt"]
    n_prompts = len(prompts)
    assert n_prompts >= MIN_PROMPTS, n_prompts
    assert len(all_rows) >= MIN_RESPONSES, len(all_rows)
    assert sum(p["task"] == "multi_turn" for p in prompts) >= MIN_MULTI_TURN
    for s in SPLITS:
        missing = set(TASKS) - {r["task"] for r in rows[s]}
        assert not missing, f"{s} lacks tasks {missing}"
    n_written = sum(r["source"] == "written" for r in all_rows)
    assert n_written / len(all_rows) >= 0.6, n_written / len(all_rows)

    # ---------------------------------------------------------------- write
    for s in SPLITS:
        with open(HERE / f"{s}.jsonl", "w", encoding="utf-8", newline="\n") as fh:
            for r in rows[s]:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")

    # ---------------------------------------------------------------- report
    print(f"prompts: {n_prompts}  responses: {len(all_rows)}  "
          f"written: {n_written} ({100 * n_written / len(all_rows):.1f}%)  "
          f"checks: {n_math} arithmetic, {n_code} code")
    for s in SPLITS:
        np_ = len({r['prompt_id'] for r in rows[s]})
        print(f"  {s:<10} prompts {np_:>4}  responses {len(rows[s]):>5}")
    print("per task (prompts / responses / train-val-test prompts):")
    for t in TASKS:
        tp = [p for p in prompts if p["task"] == t]
        per = Counter(split_of[p["prompt_id"]] for p in tp)
        print(f"  {t:<17} {len(tp):>4} {sum(len(p['responses']) for p in tp):>5}   "
              f"{per['train']}/{per['validation']}/{per['test']}")
    print("per source:", dict(sorted(Counter(r["source"] for r in all_rows).items())))
    print("attribute means:", {a: round(sum(r[a] for r in all_rows) / len(all_rows), 2) for a in ATTRS})
    if "-v" in sys.argv:
        print("attribute distributions:")
        for a in ATTRS:
            print(f"  {a:<12}", dict(sorted(Counter(r[a] for r in all_rows).items())))
        wl = [len(r["response"].split()) for r in all_rows]
        print("response words: mean", round(sum(wl) / len(wl), 1), "max", max(wl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
