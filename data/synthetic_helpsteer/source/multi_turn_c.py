# Multi-turn conversations (part C): three exchanges of context
# (user, assistant, user, assistant, user). See multi_turn_a.py for the format.
# labels: helpfulness, correctness, coherence, complexity, verbosity
TASK = "multi_turn"
ITEMS = [
("mt045", [
 "I'm making a budget. What categories should I use?",
 "A simple starting set: housing, utilities, groceries, transportation, insurance, debt payments, savings, and personal/fun spending.",
 "My take-home pay is $3,200 a month. How much should go to each?",
 "A common guideline is the 50/30/20 rule: about 50% ($1,600) for needs like housing, utilities, groceries, transport and insurance; 30% ($960) for wants; and 20% ($640) for savings and extra debt payments.",
 "My rent alone is $1,400. Does that still work?",
], [
 ("44423", "It can, but it's tight. Rent of $1,400 is about 44% of your $3,200, which leaves only $200 of the $1,600 \"needs\" budget for utilities, groceries, transport and insurance, and that's rarely enough. Two realistic options:\n- Let needs go above 50%: for example 60% needs ($1,920, leaving $520 after rent for the other essentials), 20% wants ($640) and 20% savings ($640).\n- Or keep savings at 20% and trim wants to 10-15% while you look for ways to cut fixed costs (a roommate, cheaper insurance, a cheaper phone plan).\nMany people in high-rent areas use a 60/20/20 or 70/20/10 split; the important part is that savings doesn't drop to zero."),
 ("33411", "It's tight: rent is about 44% of your pay, so the 50% for needs won't cover much else. You'll probably need to shift some of the wants money to needs."),
 ("11411", "Yes, that works perfectly: $1,400 is well under your $1,600 needs budget, so you'll have plenty left for groceries, utilities and transport."),
], "round(1400/3200*100) == 44 and 3200*0.6 == 1920 and 1920 - 1400 == 520 and 3200*0.2 == 640"),
("mt046", [
 "What is a haiku?",
 "A haiku is a short Japanese poem form. In English it's usually written as three lines of 5, 7 and 5 syllables, often about nature or a season.",
 "Can you write one about coffee?",
 "Steam curls from the cup\nbitter warmth against my palms\nthe morning wakes slow",
 "Now one about the same coffee going cold because I forgot it.",
], [
 ("44421", "Forgotten at noon\na dark ring inside the cup\nwhere the warmth once was"),
 ("33311", "The coffee is cold\nI forgot it on my desk\nnow I'm sad about it"),
 ("11311", "Steam curls from the cup\nbitter warmth against my palms\nthe morning wakes slow"),
]),
("mt047", [
 "I'm learning SQL. What does SELECT do?",
 "SELECT retrieves data from a table. For example, SELECT name, email FROM users; returns the name and email columns for every row in the users table.",
 "How do I only get users from Canada?",
 "Add a WHERE clause: SELECT name, email FROM users WHERE country = 'Canada';",
 "And sort them by name?",
], [
 ("44422", "Add ORDER BY at the end:\n\n```sql\nSELECT name, email\nFROM users\nWHERE country = 'Canada'\nORDER BY name;\n```\n\nIt sorts A to Z by default (ASC); use `ORDER BY name DESC` for Z to A. ORDER BY always comes after WHERE."),
 ("44401", "SELECT name, email FROM users WHERE country = 'Canada' ORDER BY name;"),
 ("11401", "SELECT name, email FROM users SORT BY name WHERE country = 'Canada';"),
]),
("mt048", [
 "I want to grow tomatoes on my balcony.",
 "Great idea! Pick a compact or cherry variety, use a pot of at least 20 liters with drainage, and place it where it gets 6-8 hours of direct sun.",
 "My balcony only gets sun in the morning, about 4 hours.",
 "That's on the low side for tomatoes, but cherry tomatoes are the most forgiving. Expect a smaller harvest and slower ripening.",
 "Are there other vegetables that would do better with that little sun?",
], [
 ("44423", "Yes, leafy greens and herbs are much happier with about 4 hours of sun:\n- Lettuce, spinach, arugula and Swiss chard: grown for leaves, so they don't need sun to ripen fruit; they may even bolt less in partial shade.\n- Kale: tolerates partial shade well.\n- Herbs like parsley, mint, chives and cilantro.\n- Radishes and green onions: quick and forgiving.\n- Peas can manage in the cooler part of the season.\nThe general rule: plants grown for leaves or roots tolerate shade better than plants grown for fruit (tomatoes, peppers, squash)."),
 ("34411", "Leafy greens like lettuce, spinach and kale, and herbs like parsley and mint, do fine with about 4 hours of sun."),
 ("11411", "Peppers and eggplants are the best choice, since they need much less sun than tomatoes."),
]),
("mt049", [
 "Who painted the Mona Lisa?",
 "Leonardo da Vinci, in the early 1500s.",
 "Where is it now?",
 "In the Louvre Museum in Paris, where it has been on display for most of the time since the French Revolution.",
 "Wasn't it stolen once?",
], [
 ("44413", "Yes. In August 1911 it was stolen from the Louvre by Vincenzo Peruggia, an Italian handyman who had worked at the museum. He hid in the building, took the painting off the wall, and walked out with it under his smock. It was missing for more than two years until he tried to sell it to an art dealer in Florence in December 1913. The theft made headlines worldwide and is often credited with turning the Mona Lisa into the most famous painting in the world."),
 ("44401", "Yes, in 1911, by a former Louvre worker named Vincenzo Peruggia. It was recovered in Florence in 1913."),
 ("11401", "Yes, it was stolen by the Nazis during World War II and was only returned to the Louvre in 1990."),
]),
("mt050", [
 "What's the difference between weight and mass?",
 "Mass is the amount of matter in an object, measured in kilograms; it's the same everywhere. Weight is the force gravity exerts on that mass, measured in newtons, so it changes depending on where you are.",
 "So how much would a 70 kg person weigh on the Moon?",
 "Their mass would still be 70 kg, but the Moon's gravity is about 1/6 of Earth's, so their weight would be about 114 N instead of about 687 N on Earth.",
 "What would a bathroom scale show on the Moon, then?",
], [
 ("44423", "A normal bathroom scale would show about 11.7 kg (roughly 70 ÷ 6). That's because a bathroom scale actually measures force, the push of your weight on the spring or sensor, and then converts it to kilograms assuming Earth's gravity. On the Moon the force is about one sixth as large, so the display reads about one sixth of your mass, even though your mass hasn't changed. A balance scale, which compares you against reference masses, would still read 70 kg, because the gravity affects both sides equally."),
 ("44401", "About 11.7 kg, since the scale measures force and assumes Earth's gravity."),
 ("11411", "It would still show 70 kg, because scales measure mass, which doesn't change on the Moon."),
], "round(70/6, 1) == 11.7 and round(70*1.625) == 114 and round(70*9.81) == 687"),
("mt051", [
 "Can you recommend a sci-fi book?",
 "Try \"The Martian\" by Andy Weir: an astronaut stranded on Mars has to survive using science and ingenuity. It's funny, tense and very readable.",
 "I've read it and loved it! Something similar?",
 "Then \"Project Hail Mary,\" also by Andy Weir, is a natural next pick: a lone astronaut wakes up on a spaceship with no memory and has to save Earth, with the same problem-solving style and humor.",
 "Read that too. Anything by a different author?",
], [
 ("44422", "Sure! A few with a similar mix of science, problem-solving and wit:\n- \"Seveneves\" by Neal Stephenson: humanity scrambles to survive in orbit after the Moon breaks apart; very engineering-heavy (and long).\n- \"The Long Way to a Small, Angry Planet\" by Becky Chambers: warmer and more character-driven, but with the same likable-crew energy.\n- \"Red Rising\" by Pierce Brown if you want faster, more action-driven pacing.\n- \"Delta-v\" by Daniel Suarez: a near-future asteroid-mining mission with lots of realistic technical detail."),
 ("33401", "Try \"Seveneves\" by Neal Stephenson; it's full of realistic space engineering."),
 ("11401", "You'd love \"Artemis\" by Andy Weir, set in a city on the Moon."),
]),
("mt052", [
 "How do I boil an egg?",
 "Place the egg in a pot, cover it with cold water, bring it to a boil, then turn the heat down and simmer: about 6 minutes for a soft yolk or 10 minutes for hard-boiled. Move it to cold water afterward.",
 "Mine always crack when I put them in the pot.",
 "That usually happens when cold eggs go straight into boiling water, or they knock against the pot. Starting them in cold water, as above, and lowering them in gently with a spoon helps a lot.",
 "And how do I make them easier to peel?",
], [
 ("44413", "A few things that really help:\n- Use eggs that aren't super fresh. Eggs a week or two old peel much more easily than ones laid yesterday.\n- Chill them fast: move them straight into a bowl of ice water for at least 5 minutes after cooking. The shock helps the egg white pull away from the shell membrane.\n- Crack the shell all over by tapping or gently rolling it on the counter, then start peeling from the wide end, where the air pocket is.\n- Peel under a thin stream of running water, which helps slip the shell off."),
 ("34401", "Use eggs that are a week or two old, cool them in ice water right after cooking, and start peeling from the wide end."),
 ("11411", "Add a cup of sugar to the water; it softens the shell so it comes off in one piece."),
]),
]

# Key-figure tokens for number_swap (see math_problems.py).
ANSWERS = {"mt045": "44", "mt050": "11.7"}
