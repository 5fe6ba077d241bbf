# Multi-turn conversations (part A). The prompt is a list of turns:
# user, assistant, user[, assistant, user]. build.py joins them with HelpSteer2's
# <extra_id_1> markers. Good responses must use the earlier context.
# labels: helpfulness, correctness, coherence, complexity, verbosity
TASK = "multi_turn"
ITEMS = [
("mt001", [
 "What's a good beginner houseplant?",
 "A pothos is a great choice. It tolerates low light, bounces back if you forget to water it, and grows quickly, so you see progress.",
 "Is it safe if I have a cat?",
], [
 ("44422", "Unfortunately, no: pothos is toxic to cats (and dogs). It contains insoluble calcium oxalate crystals, which can cause mouth irritation, drooling, pawing at the mouth and vomiting if chewed. It's rarely life-threatening, but it's best avoided if your cat likes to nibble plants. Cat-safe beginner options include spider plants, Boston ferns, parlor palms and calatheas."),
 ("33411", "No, pothos is toxic to cats. Try a spider plant instead; it's just as easy and safe for pets."),
 ("11411", "Yes, pothos is completely safe for cats, so there's nothing to worry about."),
]),
("mt002", [
 "Can you give me a simple recipe for pancakes?",
 "Sure! Mix 1 cup flour, 1 tablespoon sugar, 2 teaspoons baking powder and a pinch of salt. In another bowl whisk 1 cup milk, 1 egg and 2 tablespoons melted butter. Combine until just mixed (lumps are fine), then cook 1/4-cup portions on a hot greased pan until bubbles form, flip, and cook another minute.",
 "I don't have any eggs. What can I do?",
], [
 ("44422", "You can still make them. Options for replacing the one egg:\n- 1/4 cup (about 60 g) mashed ripe banana: adds sweetness and banana flavor.\n- 1/4 cup applesauce or plain yogurt.\n- A \"flax egg\": 1 tablespoon ground flaxseed mixed with 3 tablespoons water, left 5 minutes to thicken.\n- Or simply skip it and add an extra 2-3 tablespoons of milk; the pancakes will be a little flatter and more tender but still good.\nKeep the rest of the recipe the same."),
 ("33411", "Just leave the egg out and add a couple of extra tablespoons of milk, or use 1/4 cup of mashed banana instead."),
 ("11411", "Unfortunately pancakes can't be made without eggs. You'll need to buy some or make something else."),
]),
("mt003", [
 "How many continents are there?",
 "By the most common convention taught in English-speaking countries, there are seven: Africa, Antarctica, Asia, Australia (Oceania), Europe, North America and South America.",
 "Which one is the largest?",
], [
 ("44412", "Asia is the largest, both in area (about 44.6 million km², roughly 30% of Earth's land) and in population (about 4.7 billion people, close to 60% of the world's total)."),
 ("44401", "Asia."),
 ("10401", "Africa is the largest continent."),
]),
("mt004", [
 "Write me a haiku about the ocean.",
 "Waves fold into foam\nsalt wind carries gull voices\nthe tide keeps its time",
 "Nice! Can you make one about mountains now?",
], [
 ("44421", "Granite shoulders rise\nsnow holds the last light of day\nthe valley goes blue"),
 ("22311", "Waves fold into foam\nsalt wind carries gull voices\nthe tide keeps its time"),
 ("11412", "Mountains are so tall and high,\nThey seem to reach up to the sky,\nWith snowy tops and rocky sides,\nThe place where every eagle hides."),
]),
("mt005", [
 "What's the difference between a virus and a bacterium?",
 "Bacteria are single-celled living organisms that can reproduce on their own. Viruses are much smaller, aren't cells, and can only replicate inside a host cell.",
 "So do antibiotics work on the flu?",
], [
 ("44422", "No. The flu is caused by influenza viruses, and antibiotics only work against bacteria, because they target structures viruses don't have, like bacterial cell walls and ribosomes. Taking antibiotics for flu won't help and contributes to antibiotic resistance. For flu, doctors may prescribe antiviral drugs such as oseltamivir (Tamiflu), ideally within 48 hours of symptoms; otherwise rest and fluids. Antibiotics are only used if a secondary bacterial infection, like bacterial pneumonia, develops."),
 ("44411", "No. Flu is a virus, and antibiotics only work on bacteria. Antivirals like Tamiflu can help if started early."),
 ("12411", "Yes, antibiotics are the standard treatment for flu and will help you recover faster."),
]),
("mt006", [
 "I'm planning a trip to Japan in the spring. When is cherry blossom season?",
 "It depends on the city, but in Tokyo and Kyoto the blossoms usually peak from late March to early April. Further north, like Sapporo, they bloom in late April to early May.",
 "Great. What should I pack for that time of year in Tokyo?",
], [
 ("44423", "Late March to early April in Tokyo is mild but changeable: daytime highs are typically around 14-19°C, and mornings and evenings can drop to about 5-10°C. Pack:\n- Layers: T-shirts and long-sleeve tops plus a light sweater or cardigan.\n- A light jacket or trench coat for cool evenings.\n- A compact umbrella; spring showers are common.\n- Comfortable walking shoes that are easy to slip off, since you'll remove shoes in temples, some restaurants and traditional inns.\n- A small bag for hanami (blossom-viewing) picnics, and a portable phone charger."),
 ("33401", "Layers, a light jacket, an umbrella and comfortable walking shoes."),
 ("11411", "Pack for hot weather: shorts, sandals and sunscreen, since Tokyo is around 30°C in early April."),
]),
("mt007", [
 "Can you help me write a Python function to check if a number is even?",
 "Sure:\n\ndef is_even(n):\n    return n % 2 == 0",
 "How would I use it to get only the even numbers from a list?",
], [
 ("44422", "Use it in a list comprehension or with `filter`:\n\n```python\nnumbers = [1, 2, 3, 4, 5, 6]\nevens = [n for n in numbers if is_even(n)]\n# [2, 4, 6]\n\n# or\nevens = list(filter(is_even, numbers))\n```\n\nBoth keep only the items for which `is_even` returns `True`. The list comprehension is usually considered more readable."),
 ("44411", "`evens = [n for n in numbers if is_even(n)]`"),
 ("11411", "`evens = is_even(numbers)` will return all the even numbers in the list."),
]),
("mt008", [
 "I want to start running. Any tips?",
 "Start slow with a run-walk plan, like alternating 1 minute of running with 2 minutes of walking for 20-30 minutes, three times a week. Get comfortable shoes, and increase your time gradually.",
 "How long until I can run a 5K without stopping?",
], [
 ("44423", "For most beginners, about 8 to 10 weeks is realistic if you run three times a week. That's the timeframe popular run-walk programs like Couch to 5K use: you gradually increase the running intervals and shorten the walking ones until you can run about 30 minutes continuously. It may be faster if you already have some fitness, or slower if you need to repeat a week, which is completely fine. The key is consistency and not increasing too fast, which is how most new runners get injured."),
 ("33411", "Usually around 8-10 weeks if you stick to three runs a week."),
 ("12411", "Most people can run a 5K without stopping after just one week if they push hard every day."),
]),
("mt009", [
 "What's 15 × 12?",
 "15 × 12 = 180.",
 "And if I divide that by 4?",
], [
 ("44411", "180 ÷ 4 = 45."),
 ("44400", "45"),
 ("10400", "180 ÷ 4 = 40."),
], "15*12 == 180 and 180/4 == 45"),
("mt010", [
 "Can you recommend a classic novel for someone who likes adventure?",
 "Try \"The Count of Monte Cristo\" by Alexandre Dumas: wrongful imprisonment, a daring escape, hidden treasure and an elaborate revenge plot.",
 "Sounds good. How long is it?",
], [
 ("44412", "It's long: the unabridged English translation runs well over 1,000 pages (around 1,200-1,300 pages in most paperback editions, roughly 450,000 words). Abridged versions exist, but they cut a lot of the subplots that make the revenge so satisfying. If you'd like something shorter in the same spirit, Dumas's \"The Three Musketeers\" is about half the length."),
 ("34401", "Very long: over 1,000 pages unabridged."),
 ("11401", "It's a short novel, about 150 pages."),
]),
("mt011", [
 "I need a name for my new bakery.",
 "Here are some ideas: Rise & Shine Bakery, The Flour Pot, Crumb & Co., Golden Crust, and Knead to Know.",
 "I like Crumb & Co. Can you write a short tagline for it?",
], [
 ("44411", "Here are a few options for Crumb & Co.:\n- \"Every crumb counts.\"\n- \"Baked fresh, shared warm.\"\n- \"Good bread, good company.\"\n- \"From our oven to your table.\""),
 ("33400", "\"Every crumb counts.\""),
 ("11411", "\"The Flour Pot: flour power for everyone!\""),
]),
("mt012", [
 "What's the capital of Canada?",
 "Ottawa.",
 "Why not Toronto? Isn't it bigger?",
], [
 ("44422", "Yes, Toronto is much bigger, but Ottawa was chosen deliberately. In 1857 Queen Victoria selected it, partly as a compromise: it sits on the border between English-speaking Ontario and French-speaking Quebec, so it didn't favor either of the rival cities (Toronto, Montreal, Kingston and Quebec City had all competed). Its location further from the U.S. border was also considered easier to defend after the War of 1812."),
 ("34411", "Toronto is bigger, but Ottawa was chosen in 1857 as a compromise between English and French Canada, and it was easier to defend."),
 ("11411", "Actually, Toronto is the capital of Canada; Ottawa is only the capital of Ontario."),
]),
("mt013", [
 "I'm writing a cover letter for a marketing job. Can you help me with an opening line?",
 "Sure! Something like: \"As a marketer who has grown a small brand's Instagram following from 2,000 to 40,000 in a year, I was excited to see the Marketing Coordinator opening at Brightline.\"",
 "I don't have social media experience, though. My experience is mostly organizing events.",
], [
 ("44422", "No problem, let's lead with events instead. For example: \"Having planned and promoted community events that drew crowds of more than 500 people, I was excited to see the Marketing Coordinator opening at Brightline.\" Swap in your real numbers and details: the size of your events, attendance growth, budgets you managed, or sponsors you brought in. Event organizing shows marketing skills like promotion, audience building and coordination, so it's a strong angle."),
 ("33411", "\"With several years of experience organizing successful events, I'm excited to apply for the Marketing Coordinator role at Brightline.\""),
 ("11411", "Just keep the Instagram line. Employers rarely check, and it will make you look more qualified."),
]),
("mt014", [
 "How do I convert Celsius to Fahrenheit?",
 "Multiply the Celsius temperature by 9/5 (or 1.8) and add 32. For example, 20°C × 1.8 + 32 = 68°F.",
 "What's 35°C then?",
], [
 ("44411", "35°C × 1.8 = 63, and 63 + 32 = 95°F."),
 ("44400", "95°F."),
 ("11411", "35°C × 1.8 + 32 = 86°F."),
], "35*1.8 + 32 == 95"),
("mt015", [
 "Can you explain what a 401(k) is?",
 "A 401(k) is a U.S. employer-sponsored retirement savings plan. You contribute part of your paycheck before taxes, the money is invested, and it grows tax-deferred until you withdraw it in retirement.",
 "My employer offers a 50% match up to 6% of my salary. What does that mean?",
], [
 ("44423", "It means your employer adds 50 cents for every dollar you contribute, on contributions up to 6% of your salary. So if you contribute 6%, your employer adds 3% of your salary. For example, on a $60,000 salary: you put in $3,600 (6%) and your employer adds $1,800 (3%). If you contribute only 4%, they add 2%. Contributing at least the full 6% is usually recommended because the match is essentially free money, an instant 50% return on those dollars. Check your plan's vesting schedule, which may require you to stay a certain time before the matched money is fully yours."),
 ("44411", "For every dollar you put in (up to 6% of your pay), your employer adds 50 cents, so contributing 6% gets you an extra 3% of your salary."),
 ("11411", "It means your employer will pay 50% of your salary into your 401(k) if you contribute 6%."),
], "60000*0.06 == 3600 and 3600*0.5 == 1800"),
("mt016", [
 "I'd like to learn to cook. Where should I start?",
 "Start with a few basic techniques you can reuse: cooking pasta, making a simple tomato sauce, roasting vegetables, cooking rice, and scrambling or frying eggs. Master those and you can make dozens of meals.",
 "Okay, how do I roast vegetables?",
 "Cut them into similar-sized pieces, toss with olive oil, salt and pepper, spread them in a single layer on a baking sheet, and roast at about 220°C (425°F) for 20-35 minutes, turning halfway, until browned at the edges.",
 "Which vegetables work best for a beginner?",
], [
 ("44412", "Good forgiving choices for that method:\n- Broccoli and cauliflower florets: about 20-25 minutes, and they get nicely crispy edges.\n- Carrots and potatoes (cut into 2-3 cm chunks): 30-35 minutes; they take the longest.\n- Bell peppers, onions and zucchini: 20-25 minutes, soft and sweet.\n- Brussels sprouts, halved: 20-25 minutes.\nIf you mix them on one tray, cut the slow ones (potatoes, carrots) smaller or give them a 10-minute head start."),
 ("33401", "Broccoli, carrots, potatoes, peppers and zucchini are all easy."),
 ("12412", "Lettuce and cucumber are the best vegetables to roast for beginners, as they cook in about two minutes."),
]),
("mt017", [
 "What's the best way to learn to touch type?",
 "Use a free typing tutor like Keybr or TypingClub for 15-20 minutes a day. Keep your fingers on the home row (ASDF JKL;), don't look at the keyboard, and focus on accuracy before speed.",
 "How fast is a good typing speed?",
], [
 ("44412", "The average adult types about 40 words per minute. Around 60-70 wpm is considered good and is plenty for most office work; professional typists and transcriptionists often reach 80-100 wpm or more. While you're learning touch typing, you may drop below your old speed at first, which is normal. Aim for 95%+ accuracy, and speed will follow."),
 ("33400", "Around 60 wpm is good; 40 is average."),
 ("11411", "A good typing speed is about 200 words per minute; anything under that is slow."),
]),
("mt018", [
 "Can you write a short poem about my dog Max? He's a beagle who loves to howl.",
 "Max the beagle, nose to the ground,\nfollows each scent the whole yard round,\nand when the sirens pass at night,\nhe howls along with all his might.",
 "Love it! Can you add a verse about how he steals socks?",
], [
 ("44422", "Max the beagle, nose to the ground,\nfollows each scent the whole yard round,\nand when the sirens pass at night,\nhe howls along with all his might.\n\nHe tiptoes in when no one looks,\nto raid the laundry's quiet nooks,\nthen trots away, tail held up high,\na stolen sock, and not one shy."),
 ("33421", "He sneaks into the laundry room,\nand grabs a sock, then zooms and zooms,\nhe hides his treasures in his bed,\na sock thief with a happy head."),
 ("11411", "Max the cat is sleek and sly,\nhe naps all day and lets time fly."),
]),
("mt019", [
 "How far is the Moon from Earth?",
 "On average, about 384,400 kilometers (238,900 miles).",
 "How long would it take to drive there at 100 km/h?",
], [
 ("44422", "384,400 km ÷ 100 km/h = 3,844 hours. That's about 160 days, or a little over 5 months of nonstop driving. For comparison, the Apollo astronauts took about 3 days to get there."),
 ("44401", "About 3,844 hours, roughly 160 days."),
 ("11411", "384,400 ÷ 100 = 384 hours, so about 16 days."),
], "384400/100 == 3844 and round(3844/24) == 160"),
("mt020", [
 "I want to write a mystery story. Where do I begin?",
 "Start with the crime and its solution: decide who did it, how, and why. Then work backward to plan the clues and red herrings your detective will find along the way.",
 "What's a red herring?",
], [
 ("44423", "A red herring is a misleading clue that points the reader (and often the detective) toward the wrong answer. In a mystery it might be a suspect with a suspicious motive who turns out to be innocent, or a piece of evidence that seems important but isn't. Good red herrings are fair: they have a reasonable explanation once the truth comes out, so readers feel surprised rather than cheated. The term is often traced to the practice of dragging a smoked, reddish herring to distract hounds from a scent."),
 ("44411", "A false clue meant to mislead readers about who committed the crime."),
 ("00410", "A red herring is a type of fish."),
]),
("mt021", [
 "Is coffee bad for you?",
 "For most healthy adults, moderate coffee intake (about 3-4 cups a day, up to 400 mg of caffeine) isn't harmful and is linked to some health benefits. Too much can cause jitteriness, sleep problems and a faster heart rate.",
 "What about during pregnancy?",
], [
 ("44422", "The advice is more cautious during pregnancy. Major health bodies, such as the American College of Obstetricians and Gynecologists and the UK's NHS, recommend limiting caffeine to under 200 mg a day, roughly one to two cups of regular brewed coffee, depending on the strength. Higher intake has been associated with a greater risk of miscarriage and low birth weight. Remember that tea, cola, energy drinks and chocolate also contain caffeine, and it's worth checking with your doctor or midwife about your own situation."),
 ("44411", "During pregnancy the usual advice is to keep caffeine under 200 mg a day, about one or two cups of coffee."),
 ("12411", "Pregnancy doesn't change anything; 3-4 cups a day is still fine."),
]),
("mt022", [
 "Write a tweet announcing our new coffee shop opening.",
 "☕ Big news! Our doors open this Saturday at 7 a.m. Come try our house blend and fresh pastries. First 50 customers get a free latte! #GrandOpening #CoffeeLovers",
 "Can you make it a bit more playful and mention we're dog-friendly?",
], [
 ("44412", "☕🐶 Paws up, coffee lovers! We're opening this Saturday at 7 a.m. Bring your best four-legged friend (we've got treats and water bowls ready), grab our house blend and a fresh pastry, and be one of the first 50 through the door for a free latte! #GrandOpening #DogFriendly"),
 ("33411", "Woof! Our dog-friendly coffee shop opens Saturday at 7 a.m. Bring your pup! First 50 customers get a free latte. ☕🐶"),
 ("11411", "We are pleased to announce the opening of our establishment on Saturday at 7 a.m. Pets are not permitted."),
]),
]

# Final-answer tokens for number_swap (see math_problems.py).
ANSWERS = {
    "mt003": "44.6", "mt005": "48", "mt008": "8", "mt009": "45", "mt012": "1857", "mt014": "95",
    "mt015": "1,800", "mt017": "40", "mt019": "3,844", "mt021": "200",
}
