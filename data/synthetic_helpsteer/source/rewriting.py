# Rewriting: rephrase given text (tone, simplicity, grammar, length, style).
# Correctness = meaning preserved, nothing invented, requested change made.
# labels: helpfulness, correctness, coherence, complexity, verbosity
TASK = "rewriting"
ITEMS = [
("rw001", "Rewrite this to sound more professional: \"hey, can u send me the report asap? need it for the meeting lol\"", [
 ("44411", "Hi, could you please send me the report as soon as possible? I need it for the upcoming meeting. Thank you!"),
 ("33401", "Please send me the report as soon as possible for the meeting."),
 ("11411", "Dear Sir, I am writing to formally request that you cancel the meeting and the report."),
]),
("rw002", "Fix the grammar and spelling: \"Their going to the libary tomorow to return there books, and than they will go to the park.\"", [
 ("44411", "They're going to the library tomorrow to return their books, and then they will go to the park."),
 ("22311", "There going to the library tomorrow to return their books, and than they will go to the park."),
 ("33412", "Corrected: \"They're going to the library tomorrow to return their books, and then they will go to the park.\"\nChanges: Their → They're, libary → library, tomorow → tomorrow, there → their, than → then."),
]),
("rw003", "Simplify this sentence for a young reader: \"The precipitation was so substantial that the municipal authorities decided to suspend all outdoor recreational activities.\"", [
 ("44401", "It rained so much that the town stopped all outdoor games and activities."),
 ("22421", "The rainfall was so heavy that the local government decided to put outdoor recreation activities on hold."),
 ("11401", "It was sunny, so everyone went outside to play."),
]),
("rw004", "Make this paragraph more concise:\n\n\"In my personal opinion, I think that it is really very important for all of the students in the school to make sure that they always bring all of their textbooks and materials to class each and every day, so that they are fully prepared to learn.\"", [
 ("44411", "Students should bring their textbooks and materials to class every day so they are prepared to learn."),
 ("33411", "I think students should always bring all their books and materials to class every day so they're ready to learn."),
 ("22422", "In my opinion, I think it is very important for all students at the school to always make sure they bring their textbooks and materials to class each day, so that they are prepared to learn."),
]),
("rw005", "Rewrite this sentence in the passive voice: \"The committee approved the new budget on Friday.\"", [
 ("44400", "The new budget was approved by the committee on Friday."),
 ("44411", "The new budget was approved by the committee on Friday. (Or, without naming the agent: \"The new budget was approved on Friday.\")"),
 ("11400", "On Friday, the committee approved the new budget."),
]),
("rw006", "Rewrite this text message to sound friendlier: \"Your package is late. Don't call us about it.\"", [
 ("44412", "Hi there! We're sorry to let you know your package is running a little late. We're keeping an eye on it and will update you as soon as it's on its way, so there's no need to call. Thanks for your patience!"),
 ("33400", "Sorry, your package is a bit delayed! We'll send you an update soon."),
 ("11400", "Great news! Your package has arrived early! Call us anytime to chat about it."),
]),
("rw007", "Turn these notes into a complete sentence: \"meeting moved - Thurs 3pm - room 204 - bring laptops\"", [
 ("44411", "The meeting has been moved to Thursday at 3 p.m. in Room 204; please bring your laptops."),
 ("33400", "Meeting moved to Thursday at 3 in room 204, bring laptops."),
 ("11411", "The meeting has been cancelled, so there's no need to bring laptops to Room 204."),
]),
("rw008", "Paraphrase this quote in your own words: \"The only way to do great work is to love what you do.\"", [
 ("44411", "If you want to do excellent work, you have to be passionate about it."),
 ("22401", "The only way to do great work is to really love what you do."),
 ("12411", "Work is more important than loving what you do."),
]),
("rw009", "Rewrite this product review to be more balanced and less angry:\n\n\"This blender is GARBAGE. It's way too loud, the lid leaks EVERY time, and I wasted my money. Whoever designed this should be fired.\"", [
 ("44421", "I was disappointed with this blender. It's much louder than I expected, and the lid leaked every time I used it. Unfortunately, I don't feel it was worth the price."),
 ("33411", "The blender is loud and the lid leaks, so I wouldn't buy it again."),
 ("11411", "This blender is fantastic! It's quiet, the lid seals perfectly, and it was worth every penny."),
]),
("rw010", "Rewrite this sentence to avoid repeating the word 'good': \"The food was good, the service was good, and the atmosphere was good.\"", [
 ("44411", "The food was delicious, the service was attentive, and the atmosphere was inviting."),
 ("33401", "The food, service and atmosphere were all good."),
 ("11401", "The food was good, the service was good, and the atmosphere was good too."),
]),
("rw011", "Rewrite this formal letter opening in a casual tone: \"Dear Ms. Thompson, I am writing to inform you that I will be unable to attend the event on Saturday due to a prior commitment.\"", [
 ("44411", "Hi Ms. Thompson, just a heads-up that I can't make it on Saturday; I've already got something planned. Sorry to miss it!"),
 ("22411", "Dear Ms. Thompson, I wish to inform you that I shall not be able to attend Saturday's event owing to a prior engagement."),
 ("11411", "Hey! Can't wait to see you at the event on Saturday!"),
]),
("rw012", "Rewrite this as a bulleted list:\n\n\"To prepare for the trip, you need to renew your passport, book a hotel near the station, exchange some money into euros, and buy travel insurance.\"", [
 ("44401", "To prepare for the trip:\n- Renew your passport\n- Book a hotel near the station\n- Exchange some money into euros\n- Buy travel insurance"),
 ("22401", "- Passport\n- Hotel"),
 ("11401", "- Renew your driver's license\n- Book a flight\n- Exchange money into dollars\n- Buy travel insurance"),
]),
("rw013", "Rewrite this sentence so it is gender-neutral: \"Every employee should submit his timesheet by Friday.\"", [
 ("44411", "All employees should submit their timesheets by Friday. (Alternatively: \"Every employee should submit their timesheet by Friday.\")"),
 ("44400", "Every employee should submit their timesheet by Friday."),
 ("11400", "Every employee should submit her timesheet by Friday."),
]),
("rw014", "Rewrite this paragraph for a children's book:\n\n\"Elephants are the largest land mammals. They use their trunks for breathing, smelling, grasping objects and drinking water. They live in herds led by the oldest female.\"", [
 ("44412", "Elephants are the biggest animals that live on land! They have long, wiggly trunks that they use to breathe, sniff, pick things up, and slurp up water. Elephants live in big families called herds, and the oldest grandma elephant is the leader."),
 ("33411", "Elephants are very big. They use their trunks for lots of things, like smelling and drinking. They live in groups led by the oldest mom."),
 ("12411", "Elephants are the biggest animals in the world! They use their trunks to fly short distances and live in herds led by the strongest male."),
]),
("rw015", "Shorten this headline to under 8 words: \"Local Community Comes Together To Clean Up Riverside Park After Weekend Storm Causes Damage\"", [
 ("44401", "Community Cleans Up Storm-Damaged Riverside Park"),
 ("44400", "Neighbors Clean Up Riverside Park After Storm"),
 ("22401", "Local Community Comes Together To Clean Up Park After Storm"),
]),
("rw016", "Rewrite this in plain English: \"Pursuant to the aforementioned regulations, all personnel are hereby required to utilize protective eyewear in designated areas.\"", [
 ("44411", "Under these rules, everyone must wear safety glasses in the marked areas."),
 ("22421", "In accordance with the regulations mentioned above, all staff members are required to use protective eyewear in designated areas."),
 ("11411", "You can wear safety glasses if you want to."),
]),
("rw017", "Rewrite this sentence in the future tense: \"She walks to school and meets her friends at the gate.\"", [
 ("44400", "She will walk to school and meet her friends at the gate."),
 ("11400", "She walked to school and met her friends at the gate."),
 ("33411", "Future tense: \"She will walk to school and will meet her friends at the gate.\""),
]),
("rw018", "Rewrite this email to be more polite:\n\n\"I need the files today. You said you'd send them last week. Send them now.\"", [
 ("44421", "Hi, I hope you're doing well. I wanted to follow up on the files we discussed last week. Would you be able to send them today? I need them to keep things on schedule. Thanks so much!"),
 ("33411", "Hi, could you please send the files today? Thanks!"),
 ("22324", "Hello, I hope this email finds you well and that you had a wonderful weekend with your family and friends, and I hope the weather has been nice where you are. I just wanted to reach out, if you don't mind, and very gently mention, only if it's not too much trouble, that there were some files that we might have talked about at some point, possibly last week, and I was wondering, whenever you get a chance and only if it's convenient for you, whether you might possibly consider sending them, maybe."),
]),
("rw019", "Rewrite this sentence with more vivid language: \"The dog ran across the yard.\"", [
 ("44411", "The dog tore across the yard, ears flapping and paws kicking up clumps of grass."),
 ("33410", "The excited dog raced across the grassy yard."),
 ("22400", "The dog ran quickly across the yard."),
]),
("rw020", "Convert this to reported speech: He said, \"I am going to the store tomorrow.\"", [
 ("44410", "He said that he was going to the store the next day."),
 ("22300", "He said that I am going to the store tomorrow."),
 ("33411", "He said he was going to the store the following day. (In reported speech, \"am going\" shifts to \"was going\" and \"tomorrow\" becomes \"the next/following day.\")"),
]),
("rw021", "Rewrite this sentence so it is easier to read: \"The report, which was written by the team that had been working on the project since last year, which was delayed several times, was finally submitted.\"", [
 ("44411", "The team has been working on the project since last year, and the project was delayed several times. Their report has finally been submitted."),
 ("33411", "The project team's report was finally submitted after several delays."),
 ("11411", "The report was written last year and submitted immediately without any delays."),
]),
("rw022", "Rewrite this tweet to be under 100 characters: \"Just finished reading an incredible book about the history of spices and how they shaped trade routes across the world. Highly recommend!\"", [
 ("44401", "Just read an amazing book on how spices shaped world trade routes. Highly recommend!"),
 ("33400", "Great book on spices and world trade. Recommend!"),
 ("12401", "Just finished an incredible book about the history of tea in China. Recommend!"),
]),
("rw023", "Rewrite this sentence as a question: \"The museum is open on Sundays.\"", [
 ("44400", "Is the museum open on Sundays?"),
 ("22400", "The museum is open on Sundays?"),
 ("11400", "Is the museum closed on Mondays?"),
]),
("rw024", "Rewrite this cover letter sentence to sound more confident: \"I think I might be a decent fit for this role, maybe, because I have some experience with data.\"", [
 ("44411", "I'm a strong fit for this role, with hands-on experience analyzing data."),
 ("33411", "I believe I would be a good fit for this role because of my experience with data."),
 ("12411", "I'm the best data scientist in the country and have ten years of experience leading global teams."),
]),
("rw025", "Rewrite this sentence in British English spelling: \"The color of the theater's center curtain was gray, and the organization apologized.\"", [
 ("44411", "The colour of the theatre's centre curtain was grey, and the organisation apologised."),
 ("22411", "The colour of the theater's center curtain was grey, and the organization apologized."),
 ("10400", "The color of the theater's center curtain was gray, and the organization apologized."),
]),
("rw026", "Rewrite these instructions to be clearer:\n\n\"Put the thing in the other thing then do the button until it's done but not too long.\"", [
 ("33421", "Place the item inside the container, then press and hold the button until the process finishes, but don't hold it for too long. (If you tell me what device this is, I can make the instructions more specific.)"),
 ("22411", "Put the item in the container and press the button."),
 ("11411", "Put the bread in the toaster and press the lever for exactly three minutes."),
]),
("rw027", "Rewrite this sentence to remove the cliché: \"At the end of the day, we need to think outside the box.\"", [
 ("44411", "Ultimately, we need to find new approaches."),
 ("33400", "We need fresh ideas."),
 ("11400", "At the end of the day, we need to think creatively outside the box."),
]),
("rw028", "Rewrite this paragraph in the first person:\n\n\"Jamal woke up early, made himself a cup of tea, and sat by the window to watch the sunrise. He felt calm for the first time in weeks.\"", [
 ("44411", "I woke up early, made myself a cup of tea, and sat by the window to watch the sunrise. I felt calm for the first time in weeks."),
 ("22211", "I woke up early, made himself a cup of tea, and sat by the window to watch the sunrise. He felt calm for the first time in weeks."),
 ("11411", "Jamal woke up late and rushed out the door without breakfast. He felt stressed, as he had for weeks."),
]),
]
