# Hand-written phrasings for the generated fact_qa and arithmetic prompts (see
# README.md, "Generated fact and arithmetic pairs"). Every template, hedge and
# filler belongs to exactly one split, so the test split is phrased in words the
# model never saw in training.
#
# A template has a question (q), a long answer (long: one or two full sentences)
# and a short answer (short: a word or a number). The long answer of a wrong
# response is the same template with the wrong value, so right and wrong answers
# have the same length and style. Placeholders:
#   {A}  the answer (right or wrong) as used mid-sentence ("Rome", "the yen")
#   {N}  a count, written as words or digits (num), {N:noun} adds the noun
#   other slots come from the fact tables ({X} country, {E} element, ...)
#   general templates: {Q} the fact's own question, {S} its statement
# Every sentence-initial letter is capitalised after filling in.

KIND = "fact_templates"

TEMPLATES = {
"capital": [
("t1", "train", "What is the capital of {X}?", "The capital of {X} is {A}. If you are looking for the capital city on a map of {X}, {A} is the one to find.", "{A}."),
("t2", "train", "What's the capital city of {X}?", "{A} is the capital city of {X}. The capital is not always the biggest city in a country, but for {X} the answer is {A}.", "{A}"),
("t3", "train", "Name the capital of {X}.", "The capital of {X} is {A}. That is the city named as the capital in any up-to-date atlas.", "It's {A}."),
("t4", "train", "Which city is the capital of {X}?", "The city that serves as the capital of {X} is {A}. So if a quiz asks for the capital of {X}, write {A}.", "{A}."),
("t5", "validation", "Tell me the capital of {X}.", "Sure. The capital of {X} is {A}, and that is the city to remember for it.", "{A}."),
("t6", "test", "Do you know what the capital of {X} is?", "Yes. The capital of {X} is {A}; that is the city that holds the title of capital.", "{A}"),
],
"legs": [
("t1", "train", "How many legs does {a} have?", "{a} has {N} legs. That is the normal number for an adult {sg}.", "{N}.", "words"),
("t2", "train", "How many legs do {pl} have?", "{pl} have {N} legs. If you count the legs on a typical adult {sg}, you get {N}.", "{N}", "digits"),
("t3", "train", "Count the legs on {a}. How many are there?", "There are {N} legs on {a}, which is the usual count for an adult {sg}.", "{N} legs.", "words"),
("t4", "train", "{a}: how many legs?", "{a} has {N} legs in total. That is the count for a healthy adult {sg}.", "{N}.", "digits"),
("t5", "validation", "Tell me how many legs {a} has.", "Sure: {a} has {N} legs when it is fully grown, and that is the number to remember.", "{N}.", "words"),
("t6", "test", "What is the number of legs on {a}?", "The number of legs on {a} is {N}. That is what you would count on an adult {sg}.", "{N}", "digits"),
],
"symbol": [
("t1", "train", "What is the chemical symbol for {E}?", "The chemical symbol for {E} is {A}. You will see it written as {A} on the periodic table.", "{A}"),
("t2", "train", "What's the symbol of the element {E}?", "{E} has the chemical symbol {A}. Every element has a short symbol of one or two letters, and for {E} it is {A}.", "{A}."),
("t3", "train", "Which chemical symbol stands for {E}?", "{A} is the chemical symbol that stands for {E}, and chemists use it in every formula that contains {E}.", "It's {A}."),
("t4", "train", "On the periodic table, what symbol is used for {E}?", "On the periodic table, {E} is written with the symbol {A}. That is the symbol to use for {E} in chemical formulas.", "{A}"),
("t5", "validation", "Give me the element symbol for {E}.", "The element symbol for {E} is {A}. It is used for {E} by chemists all over the world.", "{A}."),
("t6", "test", "What letters represent {E} on the periodic table?", "{E} is represented by {A} on the periodic table. That short symbol stands for {E} in any formula.", "{A}"),
],
"atomic": [
("t1", "train", "What is the atomic number of {E}?", "The atomic number of {E} is {N}. That is the number of protons in the nucleus of every atom of {E}.", "{N}"),
("t2", "train", "How many protons does an atom of {E} have?", "An atom of {E} has {N:proton} in its nucleus, so the atomic number of {E} is {N}.", "{N}."),
("t3", "train", "Which atomic number does {E} have?", "{E} has atomic number {N}. Atomic numbers count protons, and an atom of {E} has {N:proton}.", "{N}"),
("t4", "train", "What number is {E} on the periodic table?", "{E} is element number {N} on the periodic table, because each of its atoms has {N:proton}.", "Number {N}."),
("t5", "validation", "Tell me the atomic number of {E}.", "Sure: the atomic number of {E} is {N}, which is also its position in the periodic table.", "{N}."),
("t6", "test", "What is the atomic number for the element {E}?", "The element {E} has the atomic number {N}. Its nucleus holds {N:proton}.", "{N}"),
],
"currency": [
("t1", "train", "What is the currency of {X}?", "The currency of {X} is the {A}. Prices in {X} are given in the {A}.", "The {A}."),
("t2", "train", "What currency is used in {X}?", "{X} uses the {A} as its currency. If you buy something there, you pay in the {A}.", "The {A}."),
("t3", "train", "What money do they use in {X}?", "In {X}, people pay with the {A}, which is the country's official currency.", "The {A}"),
("t4", "train", "Which currency would I need for a trip to {X}?", "For a trip to {X} you would need the {A}, because that is the official currency there.", "The {A}."),
("t5", "validation", "Tell me the official currency of {X}.", "The official currency of {X} is the {A}. That is the money used for everyday prices there.", "The {A}."),
("t6", "test", "What is the name of the currency in {X}?", "The currency in {X} is called the {A}. It is the money you will see on price tags there.", "The {A}"),
],
"continent": [
("t1", "train", "Which continent is {X} in?", "{X} is in {A}. On a world map, you will find {X} on the continent of {A}.", "{A}."),
("t2", "train", "On what continent is {X} located?", "{X} is located on the continent of {A}. Geographers list it among the countries of {A}.", "{A}"),
("t3", "train", "{X} is part of which continent?", "{X} is part of {A}. It is one of the countries that make up {A}.", "It's in {A}."),
("t4", "train", "What continent would I be on if I visited {X}?", "If you visited {X}, you would be on the continent of {A}. {X} is a country in {A}.", "{A}."),
("t5", "validation", "Tell me which continent {X} belongs to.", "{X} belongs to {A}. It is counted as one of the countries of {A}.", "{A}."),
("t6", "test", "Name the continent where {X} is found.", "{X} is found in {A}. That is the continent to name for {X}.", "{A}"),
],
"river": [
("t1", "train", "Which river flows through {C}?", "The river that flows through {C} is the {A}. It is the main river of the city.", "The {A}."),
("t2", "train", "What river runs through the city of {C}?", "The {A} runs through the city of {C}, and the city grew up along its banks.", "The {A}."),
("t3", "train", "Name the river that {C} is built on.", "{C} is built on the {A}. The {A} is the river people mean when they talk about the river in {C}.", "The {A}"),
("t4", "train", "What is the name of the river in {C}?", "The river in {C} is called the {A}. It is the river that the city is known for.", "The {A}."),
("t5", "validation", "Tell me which river passes through {C}.", "The {A} passes through {C}. It is the city's main river.", "The {A}."),
("t6", "test", "{C} lies on which river?", "{C} lies on the {A}. That is the river the city stands on.", "The {A}"),
],
"unit": [
("t1", "train", "What is the SI unit of {Q}?", "The SI unit of {Q} is the {A}. That is the unit used for {Q} in the International System of Units.", "The {A}."),
("t2", "train", "In the International System of Units, what is the unit of {Q}?", "In the International System of Units, the unit of {Q} is the {A}. Scientists report {Q} using the {A}.", "The {A}"),
("t3", "train", "Which SI unit is used for {Q}?", "The {A} is the SI unit used for {Q}, and it is the standard unit for {Q} in science.", "It's the {A}."),
("t4", "train", "Name the SI unit of {Q}.", "The SI unit of {Q} is called the {A}. Measurements of {Q} in SI are expressed with the {A}.", "The {A}."),
("t5", "validation", "Tell me the SI unit for {Q}.", "The SI unit for {Q} is the {A}. It is the unit the SI system defines for {Q}.", "The {A}."),
("t6", "test", "What unit does the SI system use for {Q}?", "The SI system uses the {A} for {Q}. That is the official SI unit of {Q}.", "The {A}"),
],
# wrappers for the PHRASED relations (planet, count, science, work, event)
"general": [
("g1", "train", "{Q}", "{S}. So the answer is {A}.", "{A}.", "words"),
("g2", "train", "Quick question: {Q}", "{S}. That is the standard answer you will find in reference books.", "{A}", "digits"),
("g3", "train", "I'm doing a quiz and I'm stuck on this one. {Q}", "The answer is {A}. {S}.", "It's {A}.", "digits"),
("g4", "train", "Help me settle an argument: {Q}", "{S}, so that settles it: the answer is {A}.", "{A}.", "words"),
("g5", "train", "{Q} Thanks in advance!", "You're welcome! {S}. I hope that helps with what you needed.", "{A}.", "digits"),
("g6", "validation", "Here is a question for you. {Q}", "{S}. In short, the answer is {A}.", "{A}", "words"),
("g7", "test", "Can you answer this? {Q}", "Yes. {S}, which makes the answer {A}.", "{A}.", "digits"),
],
}

# Hedging non-answers. {kinds} is the relation's noun ("cities", "numbers").
HEDGES = {
"train": [
    "I'm not sure.",
    "I'm not sure, it could be one of several {kinds}.",
    "I don't know the answer to that, sorry.",
    "Hmm, I can't say for certain. There are a few {kinds} it might be.",
    "That's a tricky one. I'd rather not guess, since I could easily get it wrong.",
    "I'm not certain about this. You may want to look it up in a reliable source.",
    "Good question! Honestly, I'm not sure what the answer is.",
    "It's hard to say. It might be one of several {kinds}, but I can't tell you which.",
],
"validation": [
    "I really couldn't tell you, I'm afraid.",
    "No idea, to be honest. It could be any of a handful of {kinds}.",
],
"test": [
    "I can't remember that one right now.",
    "I'm unsure. There are several possible {kinds} and I don't know which is correct.",
],
}

# Hedges that name the right answer next to a wrong one without choosing.
OPTION_HEDGES = {
"train": [
    "It's either {X} or {Y}, but I can't remember which.",
    "I think it might be {X}, or possibly {Y}. I'm not sure.",
    "Maybe {X}? Or was it {Y}? I can't say for certain.",
    "It could be {X} or {Y}; I'd double-check before relying on either.",
],
"validation": [
    "Possibly {X}, though {Y} also sounds right to me.",
],
"test": [
    "I'm torn between {X} and {Y}, so I can't give you a definite answer.",
],
}

# Filler put before and after a long answer to make a padded one.
PAD_OPEN = {
"train": [
    "Thanks for your question! This is something a lot of people like to double-check, and it is always good to be sure about the basics before moving on.",
    "Great question. Let me think about this carefully for a moment, because it is the kind of thing that is easy to mix up when you are in a hurry.",
    "Of course, I would be happy to help you with this. Questions like this come up all the time, and it is nice to be able to clear them up properly.",
    "That is a really interesting thing to ask about, and I appreciate you bringing it up. There is a clear answer here, so let me walk you through it.",
    "Absolutely, this is a good one. Before I answer, I just want to say that it is completely normal to be unsure about facts like this one.",
    "What a fun question to think about! Many people have wondered about this at some point, so you are definitely not alone in asking it.",
    "Sure thing. I always enjoy questions like this, because they remind us how many little facts there are to learn about the world around us.",
    "Happy to help! Let me take a second to give you a proper answer, since it is always better to get these details exactly right.",
],
"validation": [
    "Oh, this is a nice question, and I am glad you asked it here. I will do my very best to give you a clear and complete answer.",
    "Right, let me see. This is one of those things that people often look up, and it deserves a careful and friendly answer.",
],
"test": [
    "Well, thank you for asking me this! It is the sort of question that I really like, and I want to make sure I answer it well for you.",
    "Okay, so, this is a question that a lot of curious people ask, and I think it is wonderful that you are curious about it too.",
],
}
PAD_CLOSE = {
"train": [
    "I hope this helps! If you have any other questions, whether they are about this topic or something completely different, just let me know.",
    "Let me know if there is anything else you would like to know. I am always happy to help, and no question is too small to ask.",
    "So that is the answer to your question. Thanks again for asking, and I hope you have a wonderful rest of your day.",
    "Learning facts like this is always worthwhile, and it is great that you took the time to ask. Feel free to come back with more questions anytime.",
    "In summary, that is what you need to know here. Of course, there is always more to learn, so keep asking questions whenever you are curious.",
    "I hope my answer was clear and useful to you. If anything is still confusing, please do not hesitate to ask me for more help.",
    "Anyway, it was a pleasure to help with this. There are so many interesting things to discover, and questions like yours are a great start.",
    "That should cover it. If you want, I can also help you with other questions like this one, so just ask away whenever you like.",
],
"validation": [
    "And that is pretty much all there is to say about it. I really hope this was useful, and please ask again if you need anything.",
    "Thank you so much for the question. It was a real pleasure to answer it, and I am here if you want to know anything else.",
],
"test": [
    "All in all, I hope that clears things up nicely for you. Do reach out again whenever another question like this pops into your head.",
    "To wrap up, that is my answer, and I hope it serves you well. Wishing you all the best, and feel free to ask me more anytime.",
],
}
