# Hand-written fact_qa items for the fact/arithmetic part (see README.md): false
# premises the answer must correct (a confident "yes" is wrong however fluent),
# common myths, right answers with a wrong side claim, and hedges. Ratings follow
# the same rules as the generated pairs.
#
# ENTITIES ties each item to an entity: a fact of fact_tables.py when the item
# asks about it (the item then goes to that fact's split), otherwise a "hand:"
# entity of its own. No response states a fact of the tables other than its own.
# labels: helpfulness, correctness, coherence, complexity, verbosity
TASK = "fact_qa"

ENTITIES = {
    "fc001": "legs:spider", "fc002": "capital:australia", "fc003": "planet:closest",
    "fc004": "event:berlin_wall", "fc005": "work:starry_night", "fc006": "hand:great_wall_moon",
    "fc007": "hand:brain_ten_percent", "fc008": "hand:february_leap", "fc009": "hand:feathers_iron",
    "fc010": "hand:strawberry_r", "fc011": "hand:einstein_maths", "fc012": "hand:goldfish_memory",
    "fc013": "capital:turkey", "fc014": "count:triangle", "fc015": "science:boiling_point",
    "fc016": "work:romeo_and_juliet", "fc017": "symbol:gold", "fc018": "hand:bat_mammal",
    "fc019": "hand:lightning_twice", "fc020": "science:largest_ocean", "fc021": "count:continents",
    "fc022": "science:plant_gas", "fc023": "count:hours_day", "fc024": "count:days_week",
    "fc025": "capital:japan", "fc026": "capital:italy", "fc027": "hand:head_heat",
}

ITEMS = [
("fc001", "My son says spiders are insects because they have six legs. Is he right?", [
 ("44411", "Not quite. Spiders have eight legs, not six, and they are arachnids rather than insects. Insects such as ants and beetles are the ones with six legs."),
 ("10411", "Yes, he's right. Spiders are insects, and like all insects they have six legs."),
 ("44400", "No: spiders have eight legs."),
 ("01401", "I'm not sure whether spiders count as insects. It might depend on who you ask."),
 ("24313", """
What a lovely thing to be talking about with your son! Kids ask the best questions, and it is great that you want to get the answer right together.

He is not quite right: spiders have eight legs, not six, and they belong to the arachnids, while insects are the animals with six legs.

I hope that helps you both, and do keep asking questions like this whenever they come up at home."""),
]),
("fc002", "Is Sydney the capital of Australia?", [
 ("44411", "No. The capital of Australia is Canberra. Sydney is the country's largest city, which is why people often assume it is the capital."),
 ("44400", "No, it's Canberra."),
 ("10411", "Yes, Sydney is the capital of Australia and also its largest city."),
 ("12401", "It's either Sydney or Canberra, I always mix those two up."),
 ("22411", "No. The capital is Canberra, which is also Australia's largest city."),
]),
("fc003", "I read that Jupiter is the planet closest to the Sun. Is that true?", [
 ("44411", "No. Mercury is the planet closest to the Sun. Jupiter is much farther out."),
 ("10411", "Yes, that's true. Jupiter is the closest planet to the Sun, which is also why it looks so bright in the night sky."),
 ("44400", "No, that's Mercury."),
 ("01401", "I'm not sure. The order of the planets is hard to remember."),
 ("00001", "Sun the Jupiter closest no Mercury is planet to out the farther."),
]),
("fc004", "Was the Berlin Wall torn down in 1991?", [
 ("44411", "Not quite. The Berlin Wall fell in November 1989, when the border crossings were opened, and most of it was demolished over the months that followed."),
 ("10411", "Yes, the Berlin Wall was torn down in 1991, shortly after the end of the Cold War."),
 ("44400", "No, it fell in 1989."),
 ("01401", "I think it was around then, but I couldn't tell you the exact year."),
]),
("fc005", "Who painted The Starry Night, Monet or van Gogh?", [
 ("44400", "Van Gogh."),
 ("44411", "Vincent van Gogh painted The Starry Night, in 1889, while he was staying at an asylum in Saint-Rémy-de-Provence."),
 ("10400", "Monet."),
 ("10411", "Claude Monet painted The Starry Night. It is one of the best-known works of French Impressionism."),
 ("01401", "It was one of those two, but I honestly can't remember which."),
]),
("fc006", "Is the Great Wall of China visible from the Moon with the naked eye?", [
 ("44411", "No. The Great Wall is very long but only a few metres wide, so it cannot be seen with the naked eye from the Moon. Astronauts have said it is hard to spot even from low Earth orbit."),
 ("10411", "Yes. The Great Wall of China is the only human-made structure that can be seen from the Moon with the naked eye."),
 ("44400", "No, it isn't."),
 ("01401", "Possibly. It is very long, so I'd guess it might be, but I can't be sure."),
 ("24313", """
Oh, this is such a classic question, and I can see why so many people are curious about it. It is one of those things that gets repeated a lot, so it is worth checking.

No. The Great Wall is very long but only a few metres wide, so it cannot be seen with the naked eye from the Moon.

I hope this clears things up! Feel free to ask me about any other famous facts you have heard and want to check."""),
]),
("fc007", "Do we only use 10% of our brains?", [
 ("44422", "No, that is a myth. Brain scans show activity across virtually the whole brain over the course of a day, and even simple tasks involve many regions working together. Damage to almost any part of the brain has noticeable effects, which would not be the case if most of it were unused."),
 ("44411", "No. That's a myth: we use virtually all of our brain, just not every part at the same moment."),
 ("10411", "Yes. Most people only use about 10% of their brain, and the rest stays inactive unless it is trained."),
 ("01401", "It's hard to say. Scientists still don't fully understand the brain."),
]),
("fc008", "How many days does February have in a leap year?", [
 ("44400", "29."),
 ("44411", "In a leap year, February has 29 days instead of the usual 28."),
 ("10400", "30."),
 ("10411", "In a leap year, February has 30 days instead of the usual 28."),
 ("12401", "Either 28 or 29, I never remember which."),
]),
("fc009", "Which is heavier, a kilogram of feathers or a kilogram of iron?", [
 ("44411", "Neither. They both weigh one kilogram; the iron just takes up much less space."),
 ("10411", "A kilogram of iron is heavier, because iron is a much denser material than feathers."),
 ("44400", "They weigh the same."),
 ("00001", "the weigh kilogram same both of they one iron neither"),
 ("24313", """
Ha, this is a fun one, and it catches a lot of people out at first. It is the kind of question that sounds simple but makes you stop and think for a second.

Neither. They both weigh one kilogram; the iron just takes up much less space.

I hope you enjoyed that little puzzle! Let me know if you have any other brain teasers you would like to go through together."""),
]),
("fc010", "How many times does the letter r appear in the word 'strawberry'?", [
 ("44400", "Three."),
 ("44411", "The letter r appears three times in 'strawberry': once in 'straw' and twice in 'berry'."),
 ("10400", "Two."),
 ("10411", "The letter r appears two times in 'strawberry': once in 'straw' and once in 'berry'."),
 ("01401", "I can't count letters reliably, so I'm not sure."),
]),
("fc011", "Did Einstein fail maths at school?", [
 ("44411", "No, that's a popular myth. Einstein was excellent at mathematics as a student and had taught himself calculus by about the age of 15."),
 ("10411", "Yes. Einstein failed maths at school, which shows that even geniuses can struggle early on."),
 ("44400", "No, he was very good at it."),
 ("01401", "Some people say so, but I don't know if it's true."),
]),
("fc012", "Do goldfish really have a three-second memory?", [
 ("44411", "No. That's a myth: experiments show goldfish can remember things for months, and they can be trained to respond to sounds or colours at feeding time."),
 ("10411", "Yes. Goldfish can only remember things for about three seconds, which is why they never get bored swimming around the same bowl."),
 ("44400", "No, they remember for months."),
 ("01401", "Maybe. I've heard that too, but I can't confirm it."),
]),
("fc013", "What is the capital of Turkey? It's Istanbul, right?", [
 ("44411", "Not quite. The capital of Turkey is Ankara. Istanbul is the country's largest city, but Ankara has been the capital since 1923."),
 ("10411", "Yes, that's right. Istanbul is the capital of Turkey."),
 ("44400", "No, it's Ankara."),
 ("12401", "It might be Istanbul, or possibly Ankara. I can't say which."),
]),
("fc014", "A triangle has four sides, doesn't it?", [
 ("44400", "No, a triangle has three sides."),
 ("44411", "No. A triangle has three sides and three corners. A shape with four sides is a quadrilateral, such as a square or a rectangle."),
 ("10400", "Yes, four sides."),
 ("10411", "Yes. A triangle has four sides, which is what makes it different from a circle."),
 ("00001", "three triangle a and sides has corners no three"),
]),
("fc015", "Water boils at 90 °C at sea level, doesn't it?", [
 ("44411", "No. At sea level, water boils at 100 °C (212 °F). It boils at lower temperatures only higher up, where the air pressure is lower."),
 ("10411", "Yes, at sea level water boils at 90 °C. It only reaches 100 °C high up in the mountains."),
 ("44400", "No, at 100 °C."),
 ("01401", "I don't remember the exact number, sorry."),
 ("24313", """
Good that you are checking this! Cooking and science both depend on details like this one, so it really is worth getting it exactly right.

No. At sea level, water boils at 100 °C (212 °F). It boils at lower temperatures only higher up, where the air pressure is lower.

I hope that helps with whatever you are making or studying. Let me know if there is anything else you would like to double-check."""),
]),
("fc016", "Who wrote Romeo and Juliet? I think it was Charles Dickens.", [
 ("44411", "It was William Shakespeare, not Charles Dickens. Shakespeare wrote the play in the 1590s; Dickens was a Victorian novelist who lived much later."),
 ("10411", "Yes, Charles Dickens wrote Romeo and Juliet. It is one of his most famous works."),
 ("44400", "William Shakespeare."),
 ("01401", "I'm honestly not sure who wrote it."),
]),
("fc017", "What is the chemical symbol for gold? Is it Ag?", [
 ("44411", "No. The chemical symbol for gold is Au, from its Latin name, aurum. Ag belongs to a different element."),
 ("10411", "Yes, the chemical symbol for gold is Ag."),
 ("44400", "No, it's Au."),
 ("12401", "It's Ag or Au, I can never keep them apart."),
]),
("fc018", "Is a bat a bird?", [
 ("44411", "No. Bats are mammals: they have fur, give birth to live young and feed them milk. They are the only mammals capable of true flight."),
 ("10411", "Yes. Bats are birds that fly at night, which is why they have wings."),
 ("44400", "No, it's a mammal."),
 ("01401", "It has wings, so maybe? I'm not really sure."),
]),
("fc019", "Can lightning strike the same place twice?", [
 ("44411", "Yes. Lightning often strikes the same place more than once, especially tall, pointed objects; the Empire State Building is hit around 20 to 25 times a year."),
 ("10411", "No. Once lightning has struck a spot, the charge there is used up, so it never strikes the same place twice."),
 ("44400", "Yes, it can."),
 ("01401", "It's hard to say; lightning is quite unpredictable."),
]),
("fc020", "Is the Atlantic the largest ocean?", [
 ("44411", "No. The Pacific is the largest ocean on Earth, covering about a third of the planet's surface. The Atlantic is the second largest."),
 ("10411", "Yes. The Atlantic is the largest ocean, stretching all the way from the Arctic to the Southern Ocean."),
 ("44400", "No, the Pacific is."),
 ("12401", "It's the Atlantic or the Pacific, but I can't remember which is bigger."),
]),
("fc021", "How many continents are there? My teacher said five.", [
 ("44412", "By the most common convention in English-speaking countries there are seven: Africa, Antarctica, Asia, Australia (or Oceania), Europe, North America and South America. Some countries teach other models, with five or six continents, so your teacher may be using a different convention."),
 ("10411", "Your teacher is right: there are exactly five continents, and that is the only correct answer."),
 ("44400", "Usually seven."),
 ("12401", "It depends on how you count, so I can't give you a number."),
]),
("fc022", "Do plants take in oxygen or carbon dioxide for photosynthesis?", [
 ("44411", "Carbon dioxide. In photosynthesis, plants take in carbon dioxide and water and use the energy of sunlight to make sugar, releasing oxygen."),
 ("10411", "Oxygen. Plants take in oxygen for photosynthesis and give off carbon dioxide."),
 ("44400", "Carbon dioxide."),
 ("10400", "Oxygen."),
 ("01401", "One of those two, though I can't tell you which."),
]),
("fc023", "How many hours are in a day? Is it 12?", [
 ("44400", "No, 24."),
 ("44411", "No. A day has 24 hours. The 12 you may be thinking of is the number of hours on a clock face, so the hour hand goes round twice a day."),
 ("10411", "Yes, there are 12 hours in a day."),
 ("01401", "I'm not sure of the exact number."),
]),
("fc024", "Is it true that a week has ten days?", [
 ("44400", "No. A week has seven days."),
 ("10411", "Yes, a week has ten days, from Monday to the following Wednesday."),
 ("44411", "No, a week has seven days: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday and Sunday."),
 ("00001", "days seven week no has a Sunday to Monday from"),
]),
("fc025", "Is Tokyo the capital of Japan?", [
 ("44400", "Yes."),
 ("44411", "Yes. Tokyo is the capital of Japan and its largest city."),
 ("10411", "No. The capital of Japan is Kyoto; Tokyo is only the largest city."),
 ("34401", "I believe so, yes, though you may want to double-check."),
]),
("fc026", "Is Milan the capital of Italy?", [
 ("44400", "No, Rome is."),
 ("44411", "No. Rome is the capital of Italy. Milan is a major city in the north, known for finance and fashion, but it is not the capital."),
 ("10411", "Yes, Milan is the capital of Italy and the seat of its government."),
 ("34401", "I think it's Rome, actually, but check to be sure."),
]),
("fc027", "Do we lose most of our body heat through our heads?", [
 ("44411", "No. The head loses heat roughly in proportion to its surface area, which is only about a tenth of the body's. It seems otherwise because the head is often the only part left uncovered in cold weather."),
 ("10411", "Yes. About half of your body heat escapes through your head, so a hat is the most important thing to wear in the cold."),
 ("44400", "No, that's a myth."),
 ("01401", "Possibly, I've heard that before, but I can't say."),
]),
]
