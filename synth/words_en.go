package synth

// enWords is the English lexicon. Every phrase here was written for this
// package; perks are verb phrases that complete "This product ...".
var enWords = &lexicon{
	lang:    LanguageEN,
	modSep:  " ",
	unitSep: " ",
	leaves: map[string]leafWords{
		"beauty/skin_care": {
			nouns: []string{"Serum", "Face Cream", "Toner", "Lotion", "Cleanser", "Sheet Mask", "Eye Cream", "Sunscreen"},
			mods:  []string{"Hydrating", "Moisturising", "Repairing", "Soothing", "Brightening", "Firming", "Refreshing", "Gentle", "Daily", "Overnight"},
			perks: []string{"absorbs quickly", "locks in moisture all day", "is gentle enough for sensitive skin", "smooths dry patches", "leaves no sticky feel", "supports the skin barrier"},
		},
		"beauty/makeup": {
			nouns: []string{"Lipstick", "Liquid Foundation", "Eyeshadow Palette", "Mascara", "Blush", "Brow Pencil", "Cushion Compact", "Setting Powder"},
			mods:  []string{"Long-Wear", "Matte", "Velvet", "Smudge-Proof", "Lightweight", "Natural", "High-Pigment", "Waterproof"},
			perks: []string{"delivers rich colour in one swipe", "stays put all day", "blends smoothly", "feels weightless on skin", "is easy for beginners to use"},
		},
		"beauty/fragrance": {
			nouns: []string{"Eau de Toilette", "Eau de Parfum", "Body Mist", "Solid Perfume", "Fragrance Gift Set"},
			mods:  []string{"Floral", "Woody", "Fresh", "Citrus", "Soft", "Amber", "Ocean"},
			perks: []string{"opens fresh and dries down warm", "lasts for hours", "suits everyday wear", "comes in a bottle made for gifting"},
		},
		"apparel/women": {
			nouns: []string{"Dress", "Knit Cardigan", "Blouse", "Midi Skirt", "Trench Coat", "Wool Coat", "Wide-Leg Trousers", "T-Shirt"},
			mods:  []string{"French-Style", "Vintage", "Relaxed", "Slim-Fit", "Elegant", "Workwear", "Minimal", "Floral", "High-Waist"},
			perks: []string{"flatters the figure", "feels soft against the skin", "pairs with almost anything", "is finished with neat stitching", "works across seasons"},
		},
		"apparel/men": {
			nouns: []string{"Shirt", "Jacket", "Hoodie", "Chinos", "Jeans", "Polo Shirt", "Down Jacket", "Blazer"},
			mods:  []string{"Business", "Casual", "Slim-Fit", "Fleece-Lined", "Cotton", "Classic", "Street", "Relaxed"},
			perks: []string{"breathes well", "is cut for a clean silhouette", "keeps its shape wash after wash", "goes with everything", "fits the office and the weekend"},
		},
		"apparel/shoes": {
			nouns: []string{"Sneakers", "White Trainers", "Canvas Shoes", "Ankle Boots", "Loafers", "Sandals", "Heels", "Chunky Sneakers"},
			mods:  []string{"Lightweight", "Everyday", "Platform", "Breathable", "Cushioned", "Non-Slip", "Retro", "Thick-Sole"},
			perks: []string{"cushions every step", "keeps feet cool", "grips well on wet floors", "runs true to size"},
		},
		"apparel/bags": {
			nouns: []string{"Backpack", "Tote Bag", "Crossbody Bag", "Handbag", "Wallet", "Suitcase", "Belt Bag"},
			mods:  []string{"Large", "Lightweight", "Water-Resistant", "Commuter", "Minimal", "Vintage", "Everyday"},
			perks: []string{"holds more than it looks", "has smooth zips and solid hardware", "sits light on the shoulders", "suits commuting and travel"},
		},
		"electronics/phones": {
			nouns: []string{"Smartphone", "5G Phone", "Foldable Phone", "Camera Phone", "Gaming Phone"},
			mods:  []string{"Flagship", "Slim", "Long-Battery", "High-Refresh", "Pro"},
			perks: []string{"lasts a full day on one charge", "scrolls smoothly on a high-refresh screen", "takes clear shots at night", "supports fast charging"},
		},
		"electronics/audio": {
			nouns: []string{"Wireless Earbuds", "Noise-Cancelling Headphones", "Over-Ear Headphones", "Bluetooth Speaker", "Sport Earbuds", "Smart Speaker"},
			mods:  []string{"Compact", "Low-Latency", "Deep-Bass", "Portable", "Waterproof", "Studio"},
			perks: []string{"blocks out background noise", "sounds clear with full bass", "stays comfortable for hours", "runs up to 30 hours per charge"},
		},
		"electronics/accessories": {
			nouns: []string{"Power Bank", "USB-C Cable", "Fast Charger", "Phone Case", "Screen Protector", "Wireless Charger", "Phone Stand"},
			mods:  []string{"Magnetic", "Portable", "Ultra-Thin", "Shockproof", "Compact", "Braided"},
			perks: []string{"works with most phones", "charges fast and stays cool", "fits in a pocket", "is built to last"},
		},
		"electronics/computers": {
			nouns: []string{"Laptop", "Ultrabook", "Gaming Laptop", "Tablet", "Monitor", "Mechanical Keyboard", "Wireless Mouse"},
			mods:  []string{"High-Performance", "Eye-Care", "Office", "Esports", "Silent", "All-Round"},
			perks: []string{"handles multitasking with ease", "has a sharp screen that is easy on the eyes", "is light enough to carry daily", "comes with plenty of ports"},
		},
		"home/kitchen": {
			nouns: []string{"Non-Stick Pan", "Wok", "Knife Set", "Insulated Bottle", "Cutting Board", "Stock Pot", "Dinnerware Set", "Glass Food Containers"},
			mods:  []string{"Everyday", "Heavy-Duty", "Uncoated", "Heat-Resistant", "Travel", "Japanese-Style"},
			perks: []string{"heats evenly", "cleans up in seconds", "is made from food-safe materials", "works on gas and induction"},
		},
		"home/bedding": {
			nouns: []string{"Bedding Set", "Duvet", "Pillow", "Mattress Topper", "Throw Blanket", "Silk Duvet", "Cooling Mat"},
			mods:  []string{"Soft-Touch", "Thick", "Brushed", "Antibacterial", "Cloud", "Premium"},
			perks: []string{"feels soft and breathable", "resists pilling and fading", "springs back every night", "suits every season"},
		},
		"home/decor": {
			nouns: []string{"Scented Candle", "Vase", "Wall Art", "Rug", "Storage Box", "Table Lamp", "Throw Pillow"},
			mods:  []string{"Nordic", "Minimal", "Vintage", "Handmade", "Cosy", "Natural-Wood"},
			perks: []string{"lifts the mood of any room", "is finished with care", "suits living rooms and bedrooms", "makes a thoughtful gift"},
		},
		"food/snacks": {
			nouns: []string{"Mixed Nuts", "Beef Jerky", "Potato Chips", "Cookies", "Dark Chocolate", "Dried Fruit", "Seaweed Snacks"},
			mods:  []string{"Daily", "Original", "Spicy", "Low-Sugar", "Single-Serve", "Handmade"},
			perks: []string{"comes in single-serve packs", "has a satisfying crunch", "uses selected ingredients", "is perfect for the office"},
		},
		"food/tea_coffee": {
			nouns: []string{"Green Tea", "Black Tea", "Oolong Tea", "Drip Coffee Bags", "Coffee Beans", "Freeze-Dried Coffee", "Herbal Tea"},
			mods:  []string{"Spring-Harvest", "High-Mountain", "Rich", "Single-Origin", "Specialty", "Sugar-Free"},
			perks: []string{"brews a fragrant cup with a sweet finish", "is quick to prepare", "is sourced directly from growers", "stays fresh in sealed packs"},
		},
		"food/fresh": {
			nouns: []string{"Strawberries", "Cherries", "Beef Steak", "Salmon Fillet", "Chicken Breast", "Free-Range Eggs", "Fresh Milk"},
			mods:  []string{"Fresh", "Imported", "Organic", "Chilled", "Seasonal", "Farm"},
			perks: []string{"arrives chilled and fresh", "ships straight from the farm", "is tender and juicy", "is covered by a freshness guarantee"},
		},
		"baby/diapers": {
			nouns: []string{"Diapers", "Pull-Up Pants", "Baby Wipes", "Changing Pads", "Cotton Wipes"},
			mods:  []string{"Ultra-Thin", "Breathable", "Overnight", "Soft", "Dry-Touch"},
			perks: []string{"stays thin and breathable", "absorbs in seconds", "feels gentle on baby's skin", "has leak guards"},
		},
		"baby/formula": {
			nouns: []string{"Infant Formula", "Baby Cereal", "Fruit Puree", "Teething Biscuits", "Baby Food"},
			mods:  []string{"Stage 1", "Stage 2", "Stage 3", "Organic", "Iron-Fortified", "No-Additive"},
			perks: []string{"has a balanced recipe", "mixes without lumps", "uses traceable ingredients", "is a hit with little ones"},
		},
		"baby/toys": {
			nouns: []string{"Building Blocks", "Jigsaw Puzzle", "Plush Toy", "RC Car", "Learning Tablet", "Art Set", "Play Kitchen"},
			mods:  []string{"Educational", "Chunky", "Kids", "Creative", "Wooden", "First"},
			perks: []string{"builds fine motor skills", "is made of safe odour-free materials", "has rounded edges", "makes family play time easy"},
		},
		"sports/fitness": {
			nouns: []string{"Yoga Mat", "Dumbbells", "Skipping Rope", "Resistance Bands", "Massage Gun", "Ab Roller", "Exercise Bike"},
			mods:  []string{"Thick", "Non-Slip", "Home", "Adjustable", "Quiet", "Pro"},
			perks: []string{"grips firmly", "fits a small home gym", "adjusts to your level", "is built for serious training"},
		},
		"sports/outdoor": {
			nouns: []string{"Tent", "Hiking Backpack", "Shell Jacket", "Trekking Poles", "Sleeping Bag", "Camping Chair", "Head Torch"},
			mods:  []string{"Ultralight", "Windproof", "Waterproof", "Packable", "Quick-Dry", "Expedition"},
			perks: []string{"stands up to wind and rain", "packs down small", "sets up in minutes", "is made for hiking and camping"},
		},
		"sports/sportswear": {
			nouns: []string{"Sport T-Shirt", "Track Pants", "Yoga Leggings", "Running Shoes", "Sports Bra", "Training Top"},
			mods:  []string{"Quick-Dry", "Breathable", "Stretch", "Featherweight", "Performance", "Seamless"},
			perks: []string{"wicks sweat away", "moves with you", "stays light and airy", "suits running and the gym"},
		},
		"appliances/kitchen_appliances": {
			nouns: []string{"Rice Cooker", "Air Fryer", "High-Speed Blender", "Electric Kettle", "Coffee Machine", "Microwave", "Countertop Oven"},
			mods:  []string{"Smart", "Family", "Multi-Function", "Mini", "Large", "Quiet"},
			perks: []string{"works at the press of a button", "heats evenly", "is sized for the whole family", "cleans easily"},
		},
		"appliances/personal_care": {
			nouns: []string{"Hair Dryer", "Electric Toothbrush", "Electric Shaver", "Curling Wand", "Facial Device", "Water Flosser"},
			mods:  []string{"Ionic", "High-Speed", "Travel", "Smart", "Waterproof", "Salon"},
			perks: []string{"dries hair fast without heat damage", "lasts weeks per charge", "fits in any bag", "offers several settings"},
		},
		"appliances/cleaning": {
			nouns: []string{"Robot Vacuum", "Cordless Vacuum", "Wet-Dry Floor Washer", "Mite Remover", "Steam Mop"},
			mods:  []string{"Self-Emptying", "Cordless", "Powerful", "Smart", "Lightweight"},
			perks: []string{"cleans thoroughly with strong suction", "maps rooms on its own", "runs a long time per charge", "is simple to operate"},
		},
		"books/fiction": {
			nouns: []string{"Novel", "Short Story Collection", "Mystery Novel", "Science Fiction Novel", "Essay Collection", "Poetry Collection"},
			mods:  []string{"Classic", "Bestselling", "Award-Winning", "Newly Translated", "Collector's"},
			perks: []string{"keeps you turning pages", "is written with quiet precision", "stays with you long after the last page", "is bound to last"},
		},
		"books/children": {
			nouns: []string{"Picture Book", "Children's Encyclopedia", "Science Book for Kids", "Storybook", "Early Reader"},
			mods:  []string{"Illustrated", "Hardcover", "Toddler", "Bilingual", "First"},
			perks: []string{"pairs vivid pictures with simple words", "builds a love of reading", "is great for reading together", "is packed with facts"},
		},
		"books/business": {
			nouns: []string{"Management Guide", "Economics Primer", "Self-Improvement Book", "Investing Handbook", "Workplace Communication Guide"},
			mods:  []string{"Bestselling", "Classic", "Practical", "Updated", "Illustrated"},
			perks: []string{"makes its case with clear examples", "offers methods you can use tomorrow", "suits early-career readers", "helps you think in systems"},
		},
		"pets/pet_food": {
			nouns: []string{"Cat Food", "Dog Food", "Freeze-Dried Treats", "Wet Cat Food", "Pet Supplement"},
			mods:  []string{"Complete", "Grain-Free", "High-Protein", "Kitten", "Adult", "Natural"},
			perks: []string{"is rich in protein", "is loved by picky eaters", "is easy to digest", "supports gut health"},
		},
		"pets/pet_supplies": {
			nouns: []string{"Cat Litter", "Cat Tree", "Pet Bed", "Dog Leash", "Automatic Feeder", "Pet Water Fountain"},
			mods:  []string{"Odour-Control", "Clumping", "All-Season", "Smart", "Padded", "Washable"},
			perks: []string{"keeps odours down", "is sturdy", "wins pets over fast", "is easy to keep clean"},
		},
	},
	colours: map[string]string{
		"black": "black", "white": "white", "grey": "grey", "navy": "navy", "red": "red", "pink": "pink",
		"beige": "beige", "green": "green", "blue": "blue", "brown": "brown", "silver": "silver", "gold": "gold",
	},
	materials: map[string]string{
		"cotton": "cotton", "wool": "wool", "silk": "silk", "polyester": "polyester", "linen": "linen", "leather": "leather",
		"canvas": "canvas", "nylon": "nylon", "stainless": "stainless steel", "ceramic": "ceramic", "wood": "solid wood",
		"silicone": "silicone", "glass": "glass", "aluminium": "aluminium", "plastic": "ABS plastic",
	},
	formats: map[string]string{"paperback": "paperback", "hardcover": "hardcover"},
	units:   map[string]string{"ml": "ml", "g": "g", "kg": "kg", "GB": "GB", "TB": "TB", "L": "L"},

	tagBestseller: "bestseller",
	tagNew:        "new arrival",
	tags:          []string{"free shipping", "limited offer", "authentic", "gift box", "free returns", "next-day delivery"},
	materialLine:  "Material: %s.",
	closings:      []string{"Free returns within 7 days.", "Ships within 48 hours.", "A good pick for yourself or as a gift.", "Questions? Our service team is online every day."},

	// Reviews say "the" and avoid verbs after the noun, so that plural
	// nouns ("sneakers") read as well as singular ones.
	reviewsGood: []string{
		"Really happy with the %s, exactly as described.",
		"Arrived quickly and well packed; very pleased with the %s.",
		"Second time buying the %s and still great.",
		"Great value for the price. I have recommended the %s to friends.",
		"Worth the money: the %s beat my expectations.",
	},
	reviewsMid: []string{
		"The %s: okay, nothing special.",
		"Decent %s, but a bit pricey for what you get.",
		"No problem with the %s, but delivery was slow.",
	},
	reviewsBad: []string{
		"The %s: quite different from the photos.",
		"Had problems with the %s after only a few uses.",
		"Disappointing %s, won't buy again.",
	},

	bookA: []string{"Quiet", "Northern", "Last", "Hidden", "Silver", "Distant", "Paper", "Winter", "Salt", "Evening"},
	bookB: []string{"Harbour", "Letter", "Traveller", "Garden", "River", "Echo", "Bell", "Map", "Cabin", "Promise"},
}

// enBrandHeads and enBrandTails are combined into invented Latin-script
// names for international brands.
var enBrandHeads = []string{
	"Vel", "Lum", "Nor", "Kai", "Sol", "Ari", "Bre", "Cor", "Dal", "Fen", "Hal", "Ivo", "Jun",
	"Lio", "Mar", "Nes", "Oru", "Pel", "Quen", "Rav", "Sel", "Tav", "Ulv", "Var", "Wyn", "Zel",
}

var enBrandTails = []string{"ora", "ine", "eth", "ia", "ano", "enne", "ara", "ette", "wyn", "ada", "ium", "ova", "ux", "elle"}

// brandBlocklist holds combinations that are ordinary words or names rather
// than invented brands.
var brandBlocklist = map[string]bool{
	"Maria": true, "Marine": true, "Marina": true, "Solara": true, "Nesine": true, "Corine": true,
	"Dalia": true, "Varia": true, "Selene": true, "Ariane": true, "Ravine": true, "Lumine": true,
}

// enPublisherSuffix turns a brand name into a publisher's name.
const enPublisherSuffix = " Press"
