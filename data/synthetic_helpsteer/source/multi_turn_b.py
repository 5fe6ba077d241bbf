# Multi-turn conversations (part B). See multi_turn_a.py for the format.
# labels: helpfulness, correctness, coherence, complexity, verbosity
TASK = "multi_turn"
ITEMS = [
("mt023", [
 "Translate 'Where is the train station?' into Spanish.",
 "¿Dónde está la estación de tren?",
 "And how would I say 'How much is a ticket?'",
], [
 ("44411", "¿Cuánto cuesta un billete? (In Latin America you'll more often hear \"¿Cuánto cuesta un boleto?\")"),
 ("44400", "¿Cuánto cuesta un billete?"),
 ("11400", "¿Dónde está el billete?"),
]),
("mt024", [
 "My sourdough starter isn't bubbling. What's wrong?",
 "Common causes are a cold kitchen, feeding with the wrong flour, or feeding too often or too rarely. How old is it, and where do you keep it?",
 "It's 4 days old and I keep it on the counter. My kitchen is about 18°C.",
], [
 ("44423", "That's probably normal. At 4 days, many starters go quiet: the early bubbles often come from bacteria that die off, and the wild yeast hasn't taken over yet. At 18°C it will also be slow; starters are happiest around 24-27°C. Keep feeding it once a day (equal weights of flour and water, discarding some first), try a warmer spot such as the oven with only the light on or on top of the fridge, and adding a little whole-grain rye or whole-wheat flour can help. Most starters become reliable within 7-14 days."),
 ("33411", "It's still young, and 18°C is cool. Move it somewhere warmer and keep feeding it daily; it should get active within a week or two."),
 ("11411", "At 4 days it should be fully active, so it's dead. Throw it away and buy commercial yeast."),
]),
("mt025", [
 "What's the longest river in the world?",
 "The Nile is usually cited as the longest, at about 6,650 km, though some measurements put the Amazon slightly longer, depending on where its source is taken to be.",
 "Which countries does the Nile flow through?",
], [
 ("44422", "The main river flows north through Uganda, South Sudan, Sudan and Egypt, where it empties into the Mediterranean. Its two great branches start further away: the White Nile drains the Lake Victoria region (the lake borders Uganda, Kenya and Tanzania, and its feeder rivers reach Rwanda and Burundi), and the Blue Nile rises at Lake Tana in Ethiopia. Altogether the Nile basin covers 11 countries: Tanzania, Uganda, Rwanda, Burundi, the Democratic Republic of the Congo, Kenya, Ethiopia, Eritrea, South Sudan, Sudan and Egypt."),
 ("33411", "Mainly Uganda, South Sudan, Sudan and Egypt, with the Blue Nile starting in Ethiopia."),
 ("11411", "The Nile flows through Morocco, Algeria and Libya before reaching the Atlantic Ocean."),
]),
("mt026", [
 "I need to write a birthday card for my coworker.",
 "Sure! Something like: \"Happy birthday! Thanks for making the office a brighter place. Hope your day is as great as you are!\"",
 "She's retiring next week too. Can you mention that?",
], [
 ("44411", "Of course! \"Happy birthday, and happy almost-retirement! Thank you for all the years of kindness, laughs and help around the office; it won't be the same without you. Wishing you a wonderful birthday and an even better next chapter!\""),
 ("33400", "\"Happy birthday and happy retirement! We'll miss you!\""),
 ("11411", "\"Happy birthday! Can't wait to see you at the office next year!\""),
]),
("mt027", [
 "Explain what photosynthesis is in one sentence.",
 "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make glucose and release oxygen.",
 "Now explain it to a five-year-old.",
], [
 ("44411", "Plants are like little chefs: they use sunshine, water and air to make their own food, and while they cook, they breathe out the fresh air we need!"),
 ("22421", "Photosynthesis converts light energy into chemical energy through chlorophyll-containing chloroplasts, producing glucose and oxygen."),
 ("33401", "Plants use sunlight to make food, and they give us air to breathe."),
]),
("mt028", [
 "I have chicken, rice and broccoli. What can I make?",
 "A simple chicken and broccoli stir-fry over rice would be great: cook the rice, stir-fry bite-sized chicken until browned, add broccoli florets and a splash of water to steam them, then toss with soy sauce, garlic and a little honey.",
 "I don't have soy sauce. Any alternatives?",
], [
 ("44412", "Sure, a few options:\n- Worcestershire sauce mixed with a little water (it's salty and savory; use less than you would soy sauce).\n- Fish sauce, if you have it, in small amounts.\n- Salt plus a little lemon juice and honey for a lemon-garlic version.\n- Or skip the Asian-style sauce: toss everything with butter, garlic, parmesan and black pepper.\nAdd the sauce at the end and taste as you go, since these are saltier or stronger than soy sauce."),
 ("33401", "Try Worcestershire sauce, or just use salt, garlic and a squeeze of lemon."),
 ("11411", "Without soy sauce you can't make a stir-fry; try baking the chicken with ketchup instead."),
]),
("mt029", [
 "What year did World War II end?",
 "World War II ended in 1945: in Europe on 8 May (V-E Day) and in the Pacific with Japan's formal surrender on 2 September.",
 "And when did it start?",
], [
 ("44412", "It's usually dated from 1 September 1939, when Germany invaded Poland; Britain and France declared war on Germany two days later. Some historians date the war in Asia earlier, to Japan's full-scale invasion of China in July 1937."),
 ("44401", "1 September 1939, with Germany's invasion of Poland."),
 ("10401", "It started in 1941 with the attack on Pearl Harbor."),
]),
("mt030", [
 "Can you help me plan a workout routine? I can go to the gym three days a week.",
 "Sure! A full-body routine three days a week (e.g., Monday, Wednesday, Friday) works well. Each session: squats, a push (bench press or push-ups), a pull (rows or lat pulldowns), a hinge (deadlifts or hip thrusts) and a core exercise, 3 sets of 8-12 reps each.",
 "I have a bad knee. Should I skip squats?",
], [
 ("44423", "Not necessarily, but it depends on what's wrong with the knee, so it's worth checking with a doctor or physiotherapist first. Many people with knee issues can train legs safely with modifications: box squats to a height that's pain-free, leg presses with a limited range, glute bridges and hip thrusts, or step-ups onto a low step. Stop any exercise that causes sharp pain, as opposed to normal muscle effort. Strengthening the muscles around the knee often helps it, so cutting out leg training entirely is usually not the goal."),
 ("33411", "Check with a doctor first, but you could try box squats or glute bridges instead, and stop if anything hurts."),
 ("12411", "Skip all leg exercises completely. Knees never benefit from exercise."),
]),
("mt031", [
 "What does 'ubiquitous' mean?",
 "'Ubiquitous' means present, appearing or found everywhere. For example: \"Smartphones have become ubiquitous.\"",
 "Can you give me two more example sentences?",
], [
 ("44411", "1. \"Coffee shops are ubiquitous in this neighborhood; there's one on every corner.\"\n2. \"In the 1990s, the sound of dial-up modems was ubiquitous.\""),
 ("33400", "\"Plastic is ubiquitous in the oceans.\" \"Ads are ubiquitous online.\""),
 ("11200", "\"The rare bird is ubiquitous, so hardly anyone has seen it.\" \"He was ubiquitous for the meeting.\""),
]),
("mt032", [
 "I'm learning Python. What's a dictionary?",
 "A dictionary stores key-value pairs, like {\"name\": \"Ana\", \"age\": 30}. You look up values by key: person[\"name\"] gives \"Ana\".",
 "How do I loop through one?",
], [
 ("44422", "Use `.items()` to get keys and values together:\n\n```python\nperson = {\"name\": \"Ana\", \"age\": 30}\nfor key, value in person.items():\n    print(key, value)\n```\n\nThis prints `name Ana` and `age 30`. Looping directly over the dictionary (`for key in person:`) gives just the keys, and `.values()` gives just the values."),
 ("44411", "`for key, value in person.items(): print(key, value)`"),
 ("11411", "Dictionaries can't be looped over; convert it to a list first with `list(person)` and then use indexes like `person[0]`."),
]),
("mt033", [
 "Give me a fun fact about space.",
 "A day on Venus (one full rotation) is longer than its year: it takes about 243 Earth days to rotate but only about 225 Earth days to orbit the Sun.",
 "Whoa. Another one?",
], [
 ("44422", "Sure! Neutron stars are so dense that a teaspoon of their material would weigh roughly a billion tonnes on Earth. They form when a massive star collapses, squeezing more mass than the Sun into a ball only about 20 km across."),
 ("33411", "Sure: there are more stars in the observable universe than grains of sand on all of Earth's beaches, by most estimates."),
 ("11411", "Sure: the Sun is the largest star in the universe."),
]),
("mt034", [
 "What's a good way to save money on groceries?",
 "Plan meals for the week, shop with a list, buy store brands, and check unit prices to compare sizes.",
 "What do you mean by unit prices?",
], [
 ("44412", "The unit price is the cost per standard amount, like per 100 g, per kilogram, per liter or per item. Stores usually print it in small type on the shelf label. It lets you compare different package sizes fairly: for example, a 500 g box of cereal for $4.00 costs $0.80 per 100 g, while a 750 g box for $5.25 costs $0.70 per 100 g, so the bigger box is cheaper per gram, even though it costs more up front."),
 ("44411", "It's the price per unit of weight or volume (like per 100 g), which helps you compare different package sizes."),
 ("01400", "Unit prices are prices."),
], "round(4.00/5, 2) == 0.80 and round(5.25/7.5, 2) == 0.70"),
("mt035", [
 "Can you suggest a good board game for a family with young kids?",
 "Try \"Outfoxed!\" It's a cooperative whodunit for ages 5 and up: everyone works together to catch a thief, so nobody gets upset about losing.",
 "We also have a teenager. Anything that works for everyone?",
], [
 ("44413", "A few that tend to work across ages:\n- Ticket to Ride: First Journey (simpler version for younger kids) or the original Ticket to Ride (ages 8+), easy rules, real strategy.\n- Dixit (ages 8+): a storytelling and guessing game with beautiful art; younger kids can play with a little help.\n- Sushi Go! (ages 8+): quick card drafting, 15 minutes a round.\n- Codenames: Pictures, if the younger ones can handle teams.\nIf your youngest is under 8, a cooperative game like Forbidden Island (ages 10+ officially, but doable with help) lets the teen take a leading role."),
 ("33401", "Ticket to Ride, Dixit or Sushi Go! work well for mixed ages."),
 ("11411", "Monopoly for kids under 5 is the best option because teenagers love it too and games are usually short."),
]),
("mt036", [
 "How do I make my resume stand out?",
 "Tailor it to each job, lead bullet points with strong verbs, quantify achievements (\"cut costs by 15%\"), and keep it to one or two pages.",
 "Should I include a photo?",
], [
 ("44422", "It depends on the country. In the U.S., UK, Canada and Australia, leave the photo off: it's not expected, it takes space, and many employers prefer not to see one because it can invite bias. In parts of continental Europe (for example Germany), Asia and the Middle East, a professional photo is more common and sometimes expected. If you do include one, use a simple, well-lit headshot with a neutral background."),
 ("33411", "In the U.S. and UK, no. In some countries, like Germany, it's common."),
 ("12411", "Yes, always include a photo; resumes without one are usually thrown away."),
]),
("mt037", [
 "What's the boiling point of water?",
 "100°C (212°F) at sea level.",
 "Why did you say 'at sea level'?",
], [
 ("44422", "Because the boiling point depends on air pressure. Water boils when its vapor pressure equals the pressure of the air above it. At higher altitudes the air pressure is lower, so water boils at a lower temperature: roughly 95°C in Denver (about 1,600 m up) and around 70°C at the top of Mount Everest. In a pressure cooker the opposite happens: the higher pressure raises the boiling point to about 120°C, which cooks food faster."),
 ("44411", "Because the boiling point depends on air pressure; at high altitude the pressure is lower, so water boils at a lower temperature."),
 ("11411", "Because salt water at the sea boils at a different temperature. Altitude has nothing to do with it."),
]),
("mt038", [
 "Can you help me name my fantasy kingdom?",
 "Of course! Some ideas: Aldermere, Veythra, Kaelmoor, the Silver Reach, and Dunmarrow.",
 "I like Kaelmoor. What could its flag look like?",
 "Maybe a dark green field with a silver stag leaping over a crescent moon, symbolizing the kingdom's ancient forests and its tradition of night-time hunts.",
 "Nice. What would the people of Kaelmoor be called?",
], [
 ("44422", "A few options that fit the name and the stag-and-moon imagery:\n- Kaelmoorians: the most straightforward.\n- Kaelmoori: a bit more old-world, and works as both noun and adjective (\"a Kaelmoori ranger\").\n- Moorfolk: an informal or poetic term the people might use for themselves.\nYou could even have outsiders call them \"Stags\" after the flag, maybe as a slightly mocking nickname."),
 ("33400", "Kaelmoorians, or Kaelmoori."),
 ("11411", "They could be called Aldermerians, after the capital of Veythra."),
]),
("mt039", [
 "I want to get better at chess. Any advice?",
 "Play regularly, review your games afterward (especially your losses), and learn basic tactics like forks, pins and skewers through daily puzzles.",
 "What's a fork?",
 "A fork is when one piece attacks two or more enemy pieces at the same time, so your opponent can only save one of them. Knights are famous for forks.",
 "Can a pawn fork?",
], [
 ("44422", "Yes! A pawn captures diagonally, so a pawn attacks the two squares diagonally in front of it. If two enemy pieces sit on those squares, for example a knight on d5 and a bishop on f5 when your pawn moves to e4, that's a pawn fork. They're especially strong because the pawn is worth less than either piece it attacks, so your opponent usually loses material whatever they do."),
 ("44411", "Yes, a pawn can fork two pieces standing on the two squares diagonally in front of it."),
 ("11411", "No, only knights and queens can fork. Pawns only attack straight ahead."),
]),
("mt040", [
 "What's the population of Australia?",
 "About 27 million people (as of 2024).",
 "How does that compare to Canada?",
 "Canada has about 41 million people, roughly 14 million more than Australia. Both are huge countries where most people live in a few regions.",
 "Which one is bigger by area?",
], [
 ("44412", "Canada. It covers about 9.98 million km², making it the second-largest country in the world after Russia, while Australia covers about 7.69 million km², the sixth largest. So Canada is roughly 30% larger by area."),
 ("44401", "Canada, at about 10 million km² versus about 7.7 million km² for Australia."),
 ("10401", "Australia is bigger by area."),
], "round(9.98/7.69 - 1, 2) == 0.30"),
("mt041", [
 "Help me write an email asking my landlord to fix the heating.",
 "Subject: Heating repair request\n\nHi [Landlord's name],\n\nThe heating in my apartment (Unit [number]) isn't working. It stopped on [date], and the radiators stay cold even when the thermostat is turned up. Could you arrange for someone to look at it as soon as possible?\n\nThank you,\n[Your name]",
 "It's been two weeks and nothing happened. Can you write a firmer follow-up?",
], [
 ("44423", "Subject: Second request: heating still not working in Unit [number]\n\nHi [Landlord's name],\n\nI'm following up on my email of [date] about the broken heating in Unit [number]. Two weeks later it still hasn't been repaired, and the apartment is uncomfortably cold.\n\nWorking heat is an essential service, and I need this fixed urgently. Please arrange a repair by [date, e.g. within 3 days] and let me know when a technician will come.\n\nIf I don't hear back by then, I'll need to look into my options with the local housing authority.\n\nThank you,\n[Your name]"),
 ("33411", "Hi [Landlord's name], I emailed two weeks ago about the heating and it still isn't fixed. Please arrange a repair this week. Thanks, [Your name]"),
 ("11411", "Subject: Heating repair request\n\nHi [Landlord's name],\n\nThe heating in my apartment isn't working. Could you arrange for someone to look at it whenever you have time? No rush at all.\n\nThanks,\n[Your name]"),
]),
("mt042", [
 "What's the difference between affect and effect?",
 "Usually, \"affect\" is a verb meaning to influence (\"The rain affected the game\"), and \"effect\" is a noun meaning a result (\"The rain had an effect on the game\").",
 "So which is right: 'The new policy will effect change' or 'affect change'?",
], [
 ("44422", "\"Effect change\" is correct here. This is the main exception to the usual rule: \"effect\" can also be a verb meaning to bring about or cause. So \"the policy will effect change\" means it will make change happen. \"Affect change\" would mean influencing a change that's already happening, which usually isn't what people mean."),
 ("44411", "\"Effect change.\" As a verb, \"effect\" means to bring about, so \"effect change\" means to cause change."),
 ("11411", "\"Affect change,\" because affect is the verb and effect is always a noun."),
]),
("mt043", [
 "I'm going to Paris for three days. What should I see?",
 "Day 1: the Louvre and a walk through the Tuileries to Place de la Concorde. Day 2: the Eiffel Tower, a Seine river cruise, and the Musée d'Orsay. Day 3: Montmartre and Sacré-Cœur, then the Marais for dinner.",
 "The Louvre sounds huge. How do I avoid spending the whole day there?",
], [
 ("44423", "Good instinct: it's enormous, with around 35,000 works on display. A few ways to keep it to 2-3 hours:\n- Book a timed ticket online in advance to skip the longest ticket lines, and arrive at opening time.\n- Pick a short list before you go, for example the Mona Lisa, the Winged Victory of Samothrace, the Venus de Milo and the Napoleon III apartments, and follow a map straight to them.\n- Use a less crowded entrance such as the Carrousel entrance instead of the main pyramid.\n- Consider one wing only (say, Denon for Italian painting and Greek sculpture)."),
 ("33401", "Pick a few highlights in advance (Mona Lisa, Winged Victory, Venus de Milo), book a timed ticket, and go early."),
 ("11411", "You can't: the Louvre only allows full-day tickets, and visitors must stay at least six hours."),
]),
("mt044", [
 "Quick question: is a tomato a fruit?",
 "Botanically, yes: it develops from a flower and contains seeds. In cooking it's usually treated as a vegetable.",
 "Haha, okay. So is a strawberry a berry then?",
], [
 ("44422", "Surprisingly, no, at least not botanically. A true berry develops from a single flower's ovary, with seeds inside, like grapes, tomatoes, blueberries and even bananas. A strawberry's fleshy part actually grows from the flower's receptacle, and the little \"seeds\" on the outside are the real fruits (achenes). So bananas are berries and strawberries aren't!"),
 ("44411", "Nope! Botanically, strawberries aren't berries, but bananas and tomatoes are."),
 ("10411", "Yes, strawberries are the classic example of a true berry, which is why they have \"berry\" in the name."),
]),
]

# Key-figure tokens for number_swap (see math_problems.py).
ANSWERS = {"mt025": "11", "mt029": "1939", "mt034": "0.70", "mt037": "70", "mt040": "9.98"}
