# Extraction: pull specific information out of text given in the prompt.
# Correctness = every requested item present, nothing invented, format as asked.
# labels: helpfulness, correctness, coherence, complexity, verbosity
TASK = "extraction"
ITEMS = [
("ex001", "Extract all the people's names from this text:\n\nAt the meeting, Laura Chen presented the budget, and Marcus Hill asked about travel costs. Afterwards, Laura and Priya Nair went to lunch with the new intern, Diego Alvarez.", [
 ("44411", "- Laura Chen\n- Marcus Hill\n- Priya Nair\n- Diego Alvarez"),
 ("23401", "Laura Chen, Marcus Hill"),
 ("11411", "Laura Chen, Marcus Hill, Priya Nair, Diego Alvarez, Sarah Lopez"),
]),
("ex002", "From the following email, extract the date, time and location of the interview as JSON with keys date, time, location.\n\nDear Mr. Okafor, thank you for applying. We'd like to invite you to an interview on Thursday, October 12, at 2:30 p.m. at our office at 48 Harbor Road, Suite 300. Please bring a photo ID. Best regards, Helen Park, HR", [
 ("44421", "{\"date\": \"Thursday, October 12\", \"time\": \"2:30 p.m.\", \"location\": \"48 Harbor Road, Suite 300\"}"),
 ("33411", "Date: Thursday, October 12\nTime: 2:30 p.m.\nLocation: 48 Harbor Road, Suite 300"),
 ("11421", "{\"date\": \"October 21\", \"time\": \"3:30 p.m.\", \"location\": \"Harbor Road\"}"),
]),
("ex003", "List every number mentioned in this paragraph along with what it refers to.\n\nThe hiking club has 42 members. Last year we completed 18 group hikes, covering a total of 310 kilometers. Our longest hike was 27 kilometers, and the oldest member to finish it was 71 years old.", [
 ("44412", "- 42: members in the hiking club\n- 18: group hikes completed last year\n- 310: total kilometers covered\n- 27: kilometers in the longest hike\n- 71: age of the oldest member who finished the longest hike"),
 ("22401", "42, 18, 310, 27, 71"),
 ("12411", "- 42: kilometers of the longest hike\n- 18: members\n- 310: hikes\n- 71: members over 70"),
]),
("ex004", "Extract the ingredients (with quantities) from this recipe text:\n\nWhisk 2 eggs with 250 ml of milk. Sift in 120 g of flour and a pinch of salt, then stir in 1 tablespoon of melted butter. Let the batter rest for 30 minutes before cooking the crêpes.", [
 ("44411", "- 2 eggs\n- 250 ml milk\n- 120 g flour\n- a pinch of salt\n- 1 tablespoon melted butter"),
 ("23401", "Eggs, milk, flour, butter."),
 ("12411", "- 2 eggs\n- 250 ml milk\n- 120 g flour\n- 1 tablespoon sugar\n- 30 minutes"),
]),
("ex005", "What company names appear in this paragraph?\n\nAfter leaving Nordvik Energy in 2019, she worked briefly at Halden & Co. before founding her own startup, Lumen Grid, which was acquired last year by Vestra Holdings.", [
 ("44401", "Nordvik Energy, Halden & Co., Lumen Grid, Vestra Holdings."),
 ("44411", "The paragraph mentions four companies:\n1. Nordvik Energy (her former employer)\n2. Halden & Co. (where she worked briefly)\n3. Lumen Grid (the startup she founded)\n4. Vestra Holdings (which acquired Lumen Grid)"),
 ("12401", "Nordvik Energy and Lumen Grid."),
]),
("ex006", "Extract all email addresses from this text:\n\nFor billing questions, write to billing@fernhill.io. Technical issues go to support@fernhill.io, or contact our lead engineer directly at t.osei@fernhill.io. Press inquiries: media@fernhill.io.", [
 ("44401", "billing@fernhill.io\nsupport@fernhill.io\nt.osei@fernhill.io\nmedia@fernhill.io"),
 ("22401", "billing@fernhill.io, support@fernhill.io"),
 ("00400", "I can't extract email addresses because that would violate privacy."),
]),
("ex007", "Pull out the action items and who owns each from these notes:\n\nWe agreed that Jonas will send the revised contract to the client by Friday. Mia needs to book the venue for the March workshop. The budget spreadsheet is fine as is. Ravi will check with IT about the new laptops, and everyone should submit their expense reports before the 25th.", [
 ("44412", "- Jonas: send the revised contract to the client by Friday\n- Mia: book the venue for the March workshop\n- Ravi: check with IT about the new laptops\n- Everyone: submit expense reports before the 25th"),
 ("33401", "Jonas - contract; Mia - venue; Ravi - laptops."),
 ("12411", "- Jonas: update the budget spreadsheet\n- Mia: send the contract\n- Ravi: book the venue"),
]),
("ex008", "Extract the product name, price and warranty period from this description.\n\nThe Kestrel X2 cordless drill comes with two 18V batteries, a fast charger and a carry case. It's available now for $129.99 and is covered by a 3-year limited warranty.", [
 ("44411", "Product: Kestrel X2 cordless drill\nPrice: $129.99\nWarranty: 3-year limited warranty"),
 ("44401", "Kestrel X2 cordless drill, $129.99, 3 years."),
 ("11401", "Product: Kestrel X2 charger\nPrice: $18\nWarranty: none mentioned"),
]),
("ex009", "From this text, extract every city mentioned, in the order they appear.\n\nOur tour starts in Lisbon, heads north to Porto, then crosses into Spain for two nights in Santiago de Compostela. We finish with a flight from Bilbao back to Lisbon.", [
 ("44401", "1. Lisbon\n2. Porto\n3. Santiago de Compostela\n4. Bilbao\n5. Lisbon"),
 ("34401", "Lisbon, Porto, Santiago de Compostela, Bilbao"),
 ("12401", "Lisbon, Madrid, Porto, Barcelona"),
]),
("ex010", "Extract the symptoms the patient reports from this note.\n\nPatient is a 34-year-old female presenting with a three-day history of sore throat and low-grade fever. She also reports mild headache and fatigue. Denies cough or shortness of breath.", [
 ("44411", "Reported symptoms: sore throat (3 days), low-grade fever, mild headache, fatigue. (Cough and shortness of breath are explicitly denied.)"),
 ("12401", "Sore throat, fever, cough, shortness of breath."),
 ("33401", "Sore throat, fever, headache, fatigue."),
]),
("ex011", "Extract key-value pairs from this shipping label text into JSON.\n\nShip to: Amara Diallo, 17 Rue des Lilas, 69003 Lyon, France. Weight: 2.4 kg. Tracking: FR778201946. Service: Express.", [
 ("44421", "{\n  \"name\": \"Amara Diallo\",\n  \"address\": \"17 Rue des Lilas, 69003 Lyon, France\",\n  \"weight\": \"2.4 kg\",\n  \"tracking\": \"FR778201946\",\n  \"service\": \"Express\"\n}"),
 ("22411", "Amara Diallo lives in Lyon and the package is Express."),
 ("11421", "{\n  \"name\": \"Amara Diallo\",\n  \"city\": \"Paris\",\n  \"weight\": \"24 kg\",\n  \"tracking\": \"FR778201946\"\n}"),
]),
("ex012", "Which dates are mentioned in this text? List them.\n\nThe treaty was signed on 14 March 1921 and ratified on 2 June 1921. It remained in force until it was replaced by a new agreement on 30 September 1955.", [
 ("44401", "- 14 March 1921 (signed)\n- 2 June 1921 (ratified)\n- 30 September 1955 (replaced)"),
 ("22401", "1921 and 1955."),
 ("11401", "14 March 1912, 2 July 1921, 30 September 1955"),
]),
("ex013", "Extract the main claim and the evidence given for it from this paragraph.\n\nRemote work improves productivity, according to the report. It points to a two-year study at a travel agency in which employees who worked from home completed 13% more calls than office-based colleagues, mainly because they took fewer breaks and sick days.", [
 ("44422", "Claim: Remote work improves productivity.\nEvidence: A two-year study at a travel agency found that employees working from home completed 13% more calls than those in the office, mainly because they took fewer breaks and sick days."),
 ("33411", "Claim: remote work makes people more productive. Evidence: a study found 13% more calls from home workers."),
 ("12411", "Claim: remote work reduces productivity. Evidence: employees took more breaks at home."),
]),
("ex014", "Extract all the hashtags from this post:\n\nFinally finished my first marathon! 42.2 km of pure stubbornness #running #marathon #firstmarathon Thanks to everyone who cheered at mile 20 #grateful", [
 ("44401", "#running, #marathon, #firstmarathon, #grateful"),
 ("23401", "#running #marathon"),
 ("00000", "marathon running yes finish"),
]),
("ex015", "From this CV excerpt, extract the candidate's job titles and the years for each.\n\n2015-2018: Junior Analyst, Brightwater Bank. 2018-2021: Data Analyst, Kora Health. 2021-present: Senior Data Scientist, Kora Health. Education: MSc Statistics, 2015.", [
 ("44411", "- Junior Analyst (Brightwater Bank): 2015-2018\n- Data Analyst (Kora Health): 2018-2021\n- Senior Data Scientist (Kora Health): 2021-present"),
 ("33401", "Junior Analyst 2015-2018, Data Analyst 2018-2021, Senior Data Scientist 2021-present."),
 ("11401", "Junior Analyst 2015-2018, Data Analyst 2018-2021, MSc Statistics 2021-present."),
]),
("ex016", "Extract the phone number and opening hours from this text.\n\nSunnyside Dental is located at 220 Maple Avenue. Call us at (555) 014-2290 to book. We're open Monday to Friday, 8 a.m. to 6 p.m., and Saturdays 9 a.m. to 1 p.m.", [
 ("44411", "Phone: (555) 014-2290\nHours: Monday-Friday 8 a.m.-6 p.m.; Saturday 9 a.m.-1 p.m."),
 ("23401", "(555) 014-2290"),
 ("11401", "Phone: (555) 220-2290\nHours: Monday-Saturday, 8 a.m.-6 p.m."),
]),
("ex017", "Pull out the words in this sentence that are adjectives.\n\nThe tired old fisherman pulled his heavy net from the cold, gray water.", [
 ("44411", "Adjectives: tired, old, heavy, cold, gray."),
 ("11401", "Adjectives: fisherman, pulled, net, water."),
 ("23401", "tired, old, cold"),
]),
("ex018", "Extract each country and its capital from this text as a table.\n\nOur study abroad program has partner universities in Kenya (Nairobi), Peru (Lima), Vietnam (Hanoi) and Norway (Oslo).", [
 ("44411", "| Country | Capital |\n|---|---|\n| Kenya | Nairobi |\n| Peru | Lima |\n| Vietnam | Hanoi |\n| Norway | Oslo |"),
 ("33401", "Kenya - Nairobi, Peru - Lima, Vietnam - Hanoi, Norway - Oslo"),
 ("11401", "| Country | Capital |\n|---|---|\n| Kenya | Mombasa |\n| Peru | Lima |\n| Vietnam | Ho Chi Minh City |\n| Norway | Oslo |"),
]),
("ex019", "Extract the names of all the books mentioned in this paragraph.\n\nIn her first year of teaching, Ms. Adeyemi assigned 'The Giver' and 'Holes' to her sixth graders. The following year she added 'Wonder', though she dropped 'Holes' after students found it too familiar from the film.", [
 ("44401", "The Giver, Holes, Wonder."),
 ("22401", "The Giver."),
 ("12401", "The Giver, Holes, Wonder, The Film."),
]),
("ex020", "Extract the start date, end date, and total cost from this booking confirmation.\n\nBooking ref HX-2291. Check-in: Friday 7 June. Check-out: Monday 10 June. 3 nights at $145 per night. Taxes and fees: $52.20. Total charged: $487.20.", [
 ("44411", "Start: Friday 7 June\nEnd: Monday 10 June\nTotal cost: $487.20 (3 nights × $145 = $435, plus $52.20 taxes and fees)"),
 ("44401", "7 June to 10 June, $487.20."),
 ("11401", "Start: 7 June, End: 10 June, Total: $435.00"),
], "3*145 == 435 and round(435 + 52.20, 2) == 487.20"),
("ex021", "Extract the sentiment-bearing words from this review:\n\nThe hotel room was spotless and the staff were wonderfully friendly, but the breakfast was disappointing and the Wi-Fi was painfully slow.", [
 ("44411", "Positive: spotless, wonderfully, friendly\nNegative: disappointing, painfully, slow"),
 ("23401", "spotless, friendly"),
 ("11401", "hotel, room, staff, breakfast, Wi-Fi"),
]),
("ex022", "From this text, extract the requirements for the grant applicants.\n\nThe Green Roots grant supports community gardens. Applicants must be registered nonprofit organizations based in the county, must have access to a plot of at least 200 square meters, and must commit to offering at least four free public workshops per year. Previous recipients may apply again after two years.", [
 ("44412", "Requirements:\n1. Be a registered nonprofit organization based in the county.\n2. Have access to a plot of at least 200 square meters.\n3. Commit to offering at least four free public workshops per year.\n(Also: previous recipients must wait two years before reapplying.)"),
 ("22401", "Must be a nonprofit."),
 ("11411", "Applicants must be individuals living in the county, with a garden of at least 20 square meters, and must pay a $200 application fee."),
]),
("ex023", "List the programming languages mentioned in this job ad:\n\nWe're looking for a backend engineer with strong Go or Rust skills. Experience with Python for scripting is a plus, and familiarity with SQL and Terraform is helpful.", [
 ("44411", "Go, Rust, Python and SQL. (Terraform is mentioned too, but it is an infrastructure-as-code tool with its own configuration language, HCL, rather than a general programming language.)"),
 ("33401", "Go, Rust, Python, SQL, Terraform"),
 ("12401", "Java, Go, Python"),
]),
("ex024", "Extract the vote counts from this text and say who won.\n\nIn the student council election, Maya Patel received 412 votes, Jordan Lee received 389, and Sam Ortiz received 157. Turnout was 958 of 1,420 eligible students.", [
 ("44411", "Maya Patel: 412\nJordan Lee: 389\nSam Ortiz: 157\nWinner: Maya Patel (by 23 votes). Turnout: 958 of 1,420 eligible students."),
 ("33401", "Maya 412, Jordan 389, Sam 157. Maya won."),
 ("11401", "Maya Patel: 412, Jordan Lee: 389, Sam Ortiz: 157. Winner: Jordan Lee."),
], "412 + 389 + 157 == 958 and 412 - 389 == 23"),
("ex025", "Extract the URL and the deadline from this announcement.\n\nRegistration for the spring coding bootcamp is now open at www.codeharbor.dev/spring. Early-bird pricing ends February 15, and registration closes March 1.", [
 ("44411", "URL: www.codeharbor.dev/spring\nDeadline: registration closes March 1 (early-bird pricing ends February 15)."),
 ("23401", "www.codeharbor.dev/spring, February 15"),
 ("11401", "www.codeharbor.com, March 15"),
]),
("ex026", "Extract all the animals mentioned in this passage.\n\nOn our safari we saw a herd of elephants at the watering hole, and two lionesses resting in the shade. Later, a giraffe wandered past our jeep, while vultures circled above what our guide said was a zebra carcass.", [
 ("44401", "Elephants, lionesses (lions), giraffe, vultures, zebra."),
 ("22401", "Elephants, lions, giraffe."),
 ("12401", "Elephants, lions, giraffes, rhinos, hippos."),
]),
("ex027", "From this message, extract what the sender is asking for.\n\nHey, hope your week is going well! I'm putting together the newsletter and was wondering if you could send me a 100-word bio and a headshot by Wednesday. Also, would you be okay with us including your email address?", [
 ("44411", "The sender is asking for three things:\n1. A 100-word bio, by Wednesday.\n2. A headshot, by Wednesday.\n3. Permission to include your email address in the newsletter."),
 ("33401", "A 100-word bio and a headshot by Wednesday."),
 ("11401", "They want you to write the newsletter."),
]),
("ex028", "Extract the measurements from this description and convert them to inches.\n\nThe desk is 120 cm wide, 60 cm deep, and 75 cm tall.", [
 ("44411", "Width: 120 cm ≈ 47.2 in\nDepth: 60 cm ≈ 23.6 in\nHeight: 75 cm ≈ 29.5 in\n(1 inch = 2.54 cm)"),
 ("33401", "120, 60 and 75 cm."),
 ("11401", "Width: 120 cm = 305 in, Depth: 60 cm = 152 in, Height: 75 cm = 191 in"),
], "round(120/2.54, 1) == 47.2 and round(60/2.54, 1) == 23.6 and round(75/2.54, 1) == 29.5"),
]

# Key-figure tokens for number_swap (see math_problems.py).
ANSWERS = {"ex020": "487.20", "ex028": "47.2"}
