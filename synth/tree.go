package synth

// The category tree: ten departments with their leaves, prices and
// attributes.

// variant is the quantity that goes into a title: a volume, weight,
// storage size or capacity, with the values sold.
type variant struct {
	key    string    // attribute name: volume, weight, storage, capacity
	unit   string    // unit of values: ml, g, GB, L
	values []float64 // in unit; larger ones cost more
}

// leafSpec describes one leaf category: its names, its share of the
// catalogue and of shoppers' interest, its prices and its attributes.
type leafSpec struct {
	id, zh, en string
	weight     float64  // relative size in the catalogue and in demand
	median     float64  // median price in CNY
	sigma      float64  // log-normal spread of prices
	variant    *variant // quantity in the title, if any
	colours    []string // colour IDs sold; nil: no colour attribute
	materials  []string // material IDs; nil: no material attribute
	sizes      []string // sizes sold; nil: no size attribute
	formats    bool     // books: paperback or hardcover
	ages       bool     // toys: age range
	consumable bool     // bought in several units and again
	female     float64  // interest multiplier for women (0 means 1)
	male       float64  // interest multiplier for men (0 means 1)
	family     float64  // multiplier for the 25–44 age bands (0 means 1)
	young      float64  // multiplier for 18–24 (0 means 1)
	mature     float64  // multiplier for 45 and over (0 means 1)
}

type topSpec struct {
	id, zh, en string
	leaves     []leafSpec
}

var (
	colBasic   = []string{"black", "white", "grey", "navy", "red", "pink", "beige", "green", "blue", "brown"}
	colNeutral = []string{"black", "white", "grey", "silver", "blue"}
	colPhone   = []string{"black", "white", "silver", "gold", "blue", "green"}
	colHome    = []string{"white", "grey", "beige", "green", "blue", "brown", "pink"}
	sizesWear  = []string{"S", "M", "L", "XL", "XXL"}
	sizesShoe  = []string{"35", "36", "37", "38", "39", "40", "41", "42", "43", "44"}
	sizesBed   = []string{"1.2m", "1.5m", "1.8m", "2.0m"}
	sizesBaby  = []string{"NB", "S", "M", "L", "XL"}
)

// tree is the fixed category tree: ten departments, two to four leaves each.
// Prices are medians in CNY for a mid-range brand.
var tree = []topSpec{
	{"beauty", "美妆", "Beauty", []leafSpec{
		{id: "skin_care", zh: "护肤", en: "Skin Care", weight: 1.4, median: 180, sigma: 0.65,
			variant: &variant{"volume", "ml", []float64{30, 50, 100, 150}}, female: 2.2, male: 0.5},
		{id: "makeup", zh: "彩妆", en: "Makeup", weight: 1.1, median: 140, sigma: 0.55,
			colours: []string{"red", "pink", "beige", "brown"}, female: 2.8, male: 0.15, young: 1.5},
		{id: "fragrance", zh: "香水", en: "Fragrance", weight: 0.5, median: 420, sigma: 0.5,
			variant: &variant{"volume", "ml", []float64{30, 50, 100}}, female: 1.6, male: 0.7},
	}},
	{"apparel", "服饰", "Apparel", []leafSpec{
		{id: "women", zh: "女装", en: "Women", weight: 1.8, median: 220, sigma: 0.6,
			colours: colBasic, sizes: sizesWear, materials: []string{"cotton", "wool", "silk", "polyester", "linen"}, female: 2.6, male: 0.08, young: 1.3},
		{id: "men", zh: "男装", en: "Men", weight: 1.2, median: 210, sigma: 0.6,
			colours: colBasic, sizes: sizesWear, materials: []string{"cotton", "wool", "polyester", "linen", "nylon"}, female: 0.35, male: 2.6},
		{id: "shoes", zh: "鞋靴", en: "Shoes", weight: 1.1, median: 330, sigma: 0.55,
			colours: colBasic, sizes: sizesShoe, materials: []string{"leather", "canvas", "nylon"}},
		{id: "bags", zh: "箱包", en: "Bags", weight: 0.8, median: 260, sigma: 0.7,
			colours: colBasic, materials: []string{"leather", "canvas", "nylon", "polyester"}, female: 1.4, male: 0.7},
	}},
	{"electronics", "数码", "Electronics", []leafSpec{
		{id: "phones", zh: "手机", en: "Phones", weight: 0.7, median: 2600, sigma: 0.5,
			variant: &variant{"storage", "GB", []float64{128, 256, 512}}, colours: colPhone, male: 1.3, young: 1.3},
		{id: "audio", zh: "影音", en: "Audio", weight: 0.8, median: 420, sigma: 0.7,
			colours: colNeutral, male: 1.5, young: 1.4},
		{id: "accessories", zh: "数码配件", en: "Accessories", weight: 1.0, median: 69, sigma: 0.6,
			colours: colNeutral, materials: []string{"silicone", "nylon", "aluminium", "plastic"}, male: 1.3},
		{id: "computers", zh: "电脑办公", en: "Computers", weight: 0.6, median: 3800, sigma: 0.6,
			variant: &variant{"storage", "GB", []float64{256, 512, 1024}}, colours: colNeutral, male: 1.8, female: 0.6},
	}},
	{"home", "家居", "Home", []leafSpec{
		{id: "kitchen", zh: "厨具", en: "Kitchenware", weight: 0.9, median: 110, sigma: 0.7,
			family: 1.4, mature: 1.5, young: 0.6},
		{id: "bedding", zh: "床品", en: "Bedding", weight: 0.8, median: 260, sigma: 0.6,
			colours: colHome, sizes: sizesBed, materials: []string{"cotton", "silk", "linen", "polyester"}, family: 1.3, mature: 1.3},
		{id: "decor", zh: "家饰", en: "Decor", weight: 0.7, median: 90, sigma: 0.7,
			colours: colHome, female: 1.4},
	}},
	{"food", "食品", "Food & Drinks", []leafSpec{
		{id: "snacks", zh: "零食", en: "Snacks", weight: 1.3, median: 36, sigma: 0.5,
			variant: &variant{"weight", "g", []float64{200, 500, 1000}}, consumable: true, young: 1.4},
		{id: "tea_coffee", zh: "茶饮冲调", en: "Tea & Coffee", weight: 0.8, median: 85, sigma: 0.7,
			variant: &variant{"weight", "g", []float64{100, 250, 500}}, consumable: true, mature: 1.6},
		{id: "fresh", zh: "生鲜", en: "Fresh Food", weight: 0.9, median: 78, sigma: 0.6,
			variant: &variant{"weight", "g", []float64{500, 1000, 2500}}, consumable: true, family: 1.3, mature: 1.6},
	}},
	{"baby", "母婴", "Mother & Baby", []leafSpec{
		{id: "diapers", zh: "尿裤湿巾", en: "Diapers & Wipes", weight: 0.6, median: 120, sigma: 0.4,
			sizes: sizesBaby, consumable: true, family: 3.0, young: 0.1, mature: 0.2, female: 1.3},
		{id: "formula", zh: "奶粉辅食", en: "Formula & Baby Food", weight: 0.5, median: 260, sigma: 0.4,
			variant: &variant{"weight", "g", []float64{400, 800, 900}}, consumable: true, family: 3.0, young: 0.1, mature: 0.2, female: 1.3},
		{id: "toys", zh: "玩具", en: "Toys", weight: 0.7, median: 110, sigma: 0.8,
			materials: []string{"wood", "plastic"}, ages: true, family: 2.2, young: 0.4},
	}},
	{"sports", "运动户外", "Sports & Outdoors", []leafSpec{
		{id: "fitness", zh: "健身器材", en: "Fitness", weight: 0.6, median: 160, sigma: 0.8,
			colours: colNeutral, materials: []string{"silicone", "stainless", "nylon"}, young: 1.4},
		{id: "outdoor", zh: "户外装备", en: "Outdoor Gear", weight: 0.5, median: 260, sigma: 0.8,
			colours: []string{"black", "green", "grey", "blue", "red"}, male: 1.5},
		{id: "sportswear", zh: "运动服饰", en: "Sportswear", weight: 0.8, median: 240, sigma: 0.5,
			colours: colBasic, sizes: sizesWear, young: 1.3},
	}},
	{"appliances", "家电", "Appliances", []leafSpec{
		{id: "kitchen_appliances", zh: "厨房电器", en: "Kitchen Appliances", weight: 0.7, median: 420, sigma: 0.6,
			variant: &variant{"capacity", "L", []float64{1.5, 3, 5}}, colours: []string{"white", "black", "silver", "pink", "green"}, family: 1.4, mature: 1.3},
		{id: "personal_care", zh: "个护电器", en: "Personal Care Appliances", weight: 0.6, median: 280, sigma: 0.6,
			colours: []string{"white", "black", "pink", "silver"}},
		{id: "cleaning", zh: "清洁电器", en: "Cleaning Appliances", weight: 0.4, median: 1300, sigma: 0.6,
			colours: []string{"white", "black", "grey"}, family: 1.5, mature: 1.2, young: 0.5},
	}},
	{"books", "图书", "Books", []leafSpec{
		{id: "fiction", zh: "小说文学", en: "Fiction", weight: 0.6, median: 45, sigma: 0.35, formats: true, young: 1.3},
		{id: "children", zh: "童书", en: "Children's Books", weight: 0.5, median: 40, sigma: 0.4, formats: true, family: 2.5, young: 0.2},
		{id: "business", zh: "经管励志", en: "Business & Self-Help", weight: 0.4, median: 55, sigma: 0.3, formats: true},
	}},
	{"pets", "宠物", "Pets", []leafSpec{
		{id: "pet_food", zh: "宠物食品", en: "Pet Food", weight: 0.6, median: 150, sigma: 0.6,
			variant: &variant{"weight", "g", []float64{1500, 2000, 10000}}, consumable: true},
		{id: "pet_supplies", zh: "宠物用品", en: "Pet Supplies", weight: 0.5, median: 80, sigma: 0.7,
			colours: []string{"white", "grey", "pink", "blue", "brown"}},
	}},
}

// leaf is a leafSpec placed in the tree.
type leaf struct {
	*leafSpec
	fullID string // "beauty/skin_care"
	top    int    // index into tree
	cat    int    // index into Shop.Categories
}

var ageRanges = []string{"0-3", "3-6", "6-12", "12+"}

// buildTree lays out the categories and the flat list of leaves.
func buildTree() ([]Category, []leaf) {
	var cats []Category
	var leaves []leaf
	for ti := range tree {
		t := &tree[ti]
		cats = append(cats, Category{ID: t.id, Name: t.en, NameZH: t.zh})
		for li := range t.leaves {
			l := &t.leaves[li]
			id := t.id + "/" + l.id
			cats = append(cats, Category{ID: id, Parent: t.id, Name: l.en, NameZH: l.zh})
			leaves = append(leaves, leaf{leafSpec: l, fullID: id, top: ti, cat: len(cats) - 1})
		}
	}
	return cats, leaves
}
