# Rule-generated arithmetic prompts (see README.md, "Generated fact and
# arithmetic pairs"): sums, differences, products and exact quotients of small
# numbers, each with right and wrong results in a short and a long phrasing.
# build.py computes every result itself; the wrong results are off by a small
# amount (or a slip such as adding instead of subtracting), never right.
#
# The entity of a problem is "arith:<op>:<a>,<b>" (operands sorted for + and x,
# so 5 + 7 and 7 + 5 are one entity). Each entity and each template belongs to
# one split.

KIND = "arithmetic"

# op: (symbol, word, imperative, gerund)
OPS = {
    "add": ("+", "plus", "Add {a} and {b}.", "Adding {a} and {b}"),
    "sub": ("-", "minus", "Subtract {b} from {a}.", "Subtracting {b} from {a}"),
    "mul": ("×", "times", "Multiply {a} by {b}.", "Multiplying {a} by {b}"),
    "div": ("÷", "divided by", "Divide {a} by {b}.", "Dividing {a} by {b}"),
}

# how many problems of each op, drawn (by hash) from these ranges
#   add: 2 <= a, b <= 60;  sub: 10 <= a <= 99, 2 <= b < a;
#   mul: 2 <= a <= b <= 12 (all 66 pairs);  div: a = b * q with 2 <= b, q <= 12
COUNTS = {"add": 110, "sub": 90, "mul": 66, "div": 60}

# Wrong results, as offsets from the right one r (tried in hash order; only
# positive values different from r are kept). "swap" is the other operation's
# result (a + b for a difference, a - b or a x b for a sum when small).
WRONG_OFFSETS = {
    "add": [1, -1, 2, -2, 10, -10],
    "sub": [1, -1, 2, -2, 10, -10, "swap"],
    "mul": ["+a", "-a", "+b", "-b", 2, -2, 1, -1],
    "div": [1, -1, 2, -2],
}

# (id, split, question, long answer, short answer); {a} {b} operands, {sym}
# {word} {imp} {ger} from OPS, {r} the (right or wrong) result
TEMPLATES = [
("m1", "train", "What is {a} {sym} {b}?", "{a} {sym} {b} = {r}. So the answer is {r}.", "{r}"),
("m2", "train", "What's {a} {word} {b}?", "{a} {word} {b} is {r}. Working it out step by step on paper gives the same result, {r}.", "{r}."),
("m3", "train", "{imp}", "{ger} gives {r}. The result is {r}.", "{r}"),
("m4", "train", "How much is {a} {word} {b}?", "{a} {word} {b} equals {r}. You can check it with a calculator if you like.", "It's {r}."),
("m5", "train", "Can you work out {a} {sym} {b} for me?", "Sure! {a} {sym} {b} works out to {r}. That is the exact answer.", "{r}."),
("m6", "validation", "Calculate {a} {sym} {b}.", "The result of {a} {sym} {b} is {r}. That is the exact value.", "{r}"),
("m7", "test", "Quick arithmetic check: what does {a} {sym} {b} come to?", "{a} {sym} {b} comes to {r}, and that is the final answer.", "{r}."),
]
