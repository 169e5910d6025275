package synth

// zhWords is the Simplified Chinese lexicon. Every phrase here was written
// for this package; brand syllables are combined at random into invented
// names.
var zhWords = &lexicon{
	lang:    LanguageZH,
	modSep:  "",
	unitSep: "",
	leaves: map[string]leafWords{
		"beauty/skin_care": {
			nouns: []string{"精华液", "面霜", "爽肤水", "乳液", "洁面乳", "面膜", "眼霜", "防晒霜"},
			mods:  []string{"水润", "保湿", "修护", "舒缓", "亮肤", "紧致", "清爽", "温和", "补水", "抗初老"},
			perks: []string{"质地轻薄易吸收", "深层补水长效保湿", "温和不刺激，敏感肌可用", "改善干燥粗糙", "清爽不黏腻", "呵护肌肤屏障"},
		},
		"beauty/makeup": {
			nouns: []string{"口红", "粉底液", "眼影盘", "睫毛膏", "腮红", "眉笔", "气垫", "散粉"},
			mods:  []string{"持久", "哑光", "滋润", "不脱色", "轻薄", "自然", "高显色", "防水"},
			perks: []string{"显色度高，一抹成型", "持妆一整天不易脱妆", "质地细腻服帖", "轻薄透气无负担", "新手也能轻松上手"},
		},
		"beauty/fragrance": {
			nouns: []string{"淡香水", "香水", "香氛喷雾", "固体香膏", "香水礼盒"},
			mods:  []string{"花香调", "木质调", "清新", "柑橘", "淡雅", "东方", "海洋"},
			perks: []string{"前调清新，后调温暖", "留香持久", "适合日常通勤", "瓶身精致，适合送礼"},
		},
		"apparel/women": {
			nouns: []string{"连衣裙", "针织开衫", "衬衫", "半身裙", "风衣", "羊毛大衣", "阔腿裤", "T恤"},
			mods:  []string{"法式", "复古", "宽松", "修身", "气质", "通勤", "简约", "碎花", "高腰"},
			perks: []string{"版型显瘦", "面料柔软亲肤", "百搭好穿", "做工精细，走线整齐", "四季可穿"},
		},
		"apparel/men": {
			nouns: []string{"衬衫", "夹克", "卫衣", "休闲裤", "牛仔裤", "Polo衫", "羽绒服", "西装外套"},
			mods:  []string{"商务", "休闲", "修身", "加绒", "纯棉", "百搭", "潮流", "宽松"},
			perks: []string{"面料透气舒适", "立体剪裁不臃肿", "耐穿不易变形", "简约百搭", "适合通勤与周末"},
		},
		"apparel/shoes": {
			nouns: []string{"运动鞋", "小白鞋", "帆布鞋", "短靴", "乐福鞋", "凉鞋", "高跟鞋", "老爹鞋"},
			mods:  []string{"轻便", "百搭", "增高", "透气", "软底", "防滑", "复古", "厚底"},
			perks: []string{"鞋底柔软，久走不累", "鞋面透气不闷脚", "防滑耐磨", "尺码标准"},
		},
		"apparel/bags": {
			nouns: []string{"双肩包", "托特包", "斜挎包", "手提包", "钱包", "行李箱", "腰包"},
			mods:  []string{"大容量", "轻便", "防泼水", "通勤", "简约", "复古", "百搭"},
			perks: []string{"容量大，分区合理", "做工精致，五金顺滑", "轻便不压肩", "适合通勤与旅行"},
		},
		"electronics/phones": {
			nouns: []string{"智能手机", "5G手机", "折叠屏手机", "拍照手机", "游戏手机"},
			mods:  []string{"旗舰", "轻薄", "长续航", "高刷", "影像"},
			perks: []string{"大电池续航持久", "高刷新率屏幕顺滑", "夜景拍摄清晰", "支持快充"},
		},
		"electronics/audio": {
			nouns: []string{"蓝牙耳机", "降噪耳机", "头戴式耳机", "蓝牙音箱", "运动耳机", "智能音箱"},
			mods:  []string{"主动降噪", "无线", "低延迟", "重低音", "便携", "防水"},
			perks: []string{"降噪效果出色", "音质清晰，低音饱满", "佩戴舒适不压耳", "续航长达30小时"},
		},
		"electronics/accessories": {
			nouns: []string{"充电宝", "数据线", "快充头", "手机壳", "钢化膜", "无线充电器", "手机支架"},
			mods:  []string{"磁吸", "便携", "超薄", "防摔", "大容量", "编织"},
			perks: []string{"兼容多种机型", "充电快，发热低", "小巧便携", "材质耐用"},
		},
		"electronics/computers": {
			nouns: []string{"笔记本电脑", "轻薄本", "游戏本", "平板电脑", "显示器", "机械键盘", "无线鼠标"},
			mods:  []string{"高性能", "护眼", "办公", "电竞", "静音", "全能"},
			perks: []string{"性能强劲，多任务流畅", "屏幕细腻护眼", "机身轻薄，方便携带", "接口丰富"},
		},
		"home/kitchen": {
			nouns: []string{"不粘锅", "炒锅", "刀具套装", "保温杯", "砧板", "汤锅", "餐具套装", "玻璃保鲜盒"},
			mods:  []string{"家用", "加厚", "无涂层", "耐高温", "便携", "日式"},
			perks: []string{"受热均匀不易粘", "易清洗", "材质安全耐用", "燃气电磁炉通用"},
		},
		"home/bedding": {
			nouns: []string{"四件套", "被子", "枕头", "床垫", "毛毯", "蚕丝被", "凉席"},
			mods:  []string{"亲肤", "加厚", "磨毛", "抗菌", "柔软", "轻奢"},
			perks: []string{"亲肤透气，睡感舒适", "不起球不褪色", "蓬松回弹", "四季适用"},
		},
		"home/decor": {
			nouns: []string{"香薰蜡烛", "花瓶", "装饰画", "地毯", "收纳盒", "台灯", "抱枕"},
			mods:  []string{"北欧", "简约", "复古", "手工", "温馨", "原木风"},
			perks: []string{"提升房间氛围", "做工精致", "适合客厅卧室", "送礼佳品"},
		},
		"food/snacks": {
			nouns: []string{"坚果礼盒", "牛肉干", "薯片", "饼干", "黑巧克力", "果干", "海苔"},
			mods:  []string{"每日", "原味", "香辣", "低糖", "独立包装", "手工"},
			perks: []string{"独立小包装，方便携带", "口感酥脆", "精选原料", "办公室追剧好伴侣"},
		},
		"food/tea_coffee": {
			nouns: []string{"绿茶", "红茶", "乌龙茶", "挂耳咖啡", "咖啡豆", "冻干咖啡", "花草茶"},
			mods:  []string{"明前", "高山", "浓香", "手冲", "精品", "无糖"},
			perks: []string{"香气浓郁，回甘明显", "冲泡方便", "原产地直采", "密封包装，保持新鲜"},
		},
		"food/fresh": {
			nouns: []string{"草莓", "车厘子", "牛排", "三文鱼", "鸡胸肉", "土鸡蛋", "鲜牛奶"},
			mods:  []string{"新鲜", "进口", "有机", "冷链", "当季", "散养"},
			perks: []string{"冷链配送，新鲜直达", "产地直发", "肉质鲜嫩", "坏果包赔"},
		},
		"baby/diapers": {
			nouns: []string{"纸尿裤", "拉拉裤", "婴儿湿巾", "隔尿垫", "棉柔巾"},
			mods:  []string{"超薄", "透气", "夜用", "柔软", "干爽"},
			perks: []string{"超薄透气不闷热", "瞬吸干爽", "柔软亲肤", "防漏设计"},
		},
		"baby/formula": {
			nouns: []string{"婴儿奶粉", "米粉", "果泥", "磨牙棒", "营养辅食"},
			mods:  []string{"1段", "2段", "3段", "有机", "高铁", "无添加"},
			perks: []string{"营养配方科学均衡", "易冲调不结块", "原料可溯源", "宝宝爱吃"},
		},
		"baby/toys": {
			nouns: []string{"积木", "拼图", "毛绒玩具", "遥控车", "早教机", "绘画套装", "过家家厨房"},
			mods:  []string{"益智", "大颗粒", "儿童", "创意", "木质", "启蒙"},
			perks: []string{"锻炼动手能力", "材质安全无异味", "边角圆润不伤手", "亲子互动好帮手"},
		},
		"sports/fitness": {
			nouns: []string{"瑜伽垫", "哑铃", "跳绳", "弹力带", "筋膜枪", "健腹轮", "动感单车"},
			mods:  []string{"加厚", "防滑", "家用", "可调节", "静音", "专业"},
			perks: []string{"防滑耐用", "家用健身不占地方", "可调节，适合不同强度", "专业训练之选"},
		},
		"sports/outdoor": {
			nouns: []string{"帐篷", "登山包", "冲锋衣", "登山杖", "睡袋", "露营椅", "头灯"},
			mods:  []string{"轻量", "防风", "防水", "便携", "速干", "专业"},
			perks: []string{"防风防雨", "轻量化设计，便于携带", "搭建简单", "适合徒步露营"},
		},
		"sports/sportswear": {
			nouns: []string{"运动T恤", "运动裤", "瑜伽裤", "跑步鞋", "运动内衣", "训练上衣"},
			mods:  []string{"速干", "透气", "高弹", "轻盈", "专业", "吸汗"},
			perks: []string{"吸湿排汗", "高弹不束缚", "轻盈透气", "适合跑步健身"},
		},
		"appliances/kitchen_appliances": {
			nouns: []string{"电饭煲", "空气炸锅", "破壁机", "电水壶", "咖啡机", "微波炉", "电烤箱"},
			mods:  []string{"智能", "家用", "多功能", "迷你", "大容量", "静音"},
			perks: []string{"一键操作，简单方便", "加热均匀", "容量适合全家", "易清洁"},
		},
		"appliances/personal_care": {
			nouns: []string{"吹风机", "电动牙刷", "剃须刀", "卷发棒", "美容仪", "冲牙器"},
			mods:  []string{"负离子", "高速", "便携", "智能", "防水", "大功率"},
			perks: []string{"快速干发不伤发", "续航持久", "小巧便携", "多档调节"},
		},
		"appliances/cleaning": {
			nouns: []string{"扫地机器人", "吸尘器", "洗地机", "除螨仪", "蒸汽拖把"},
			mods:  []string{"自动集尘", "无线", "大吸力", "智能", "轻便"},
			perks: []string{"吸力强劲，清洁彻底", "智能规划路线", "续航持久", "操作简单"},
		},
		"books/fiction": {
			nouns: []string{"长篇小说", "短篇小说集", "悬疑小说", "科幻小说", "散文集", "诗集"},
			mods:  []string{"经典", "畅销", "获奖", "新译本", "珍藏版"},
			perks: []string{"情节引人入胜", "文字细腻动人", "读完久久难忘", "装帧精美，适合收藏"},
		},
		"books/children": {
			nouns: []string{"绘本", "儿童百科", "科普读物", "故事书", "拼音读物"},
			mods:  []string{"注音版", "精装", "低幼", "双语", "启蒙"},
			perks: []string{"图文并茂", "培养阅读兴趣", "亲子共读好选择", "知识点丰富"},
		},
		"books/business": {
			nouns: []string{"管理学", "经济学入门", "个人成长", "投资理财", "职场沟通"},
			mods:  []string{"畅销", "经典", "实用", "新版", "图解"},
			perks: []string{"观点清晰，案例丰富", "方法实用可落地", "适合职场新人", "帮助建立系统思维"},
		},
		"pets/pet_food": {
			nouns: []string{"猫粮", "狗粮", "冻干零食", "猫罐头", "宠物营养膏"},
			mods:  []string{"全价", "无谷", "高蛋白", "幼猫", "成犬", "天然"},
			perks: []string{"高蛋白配方", "适口性好", "易消化", "呵护肠胃"},
		},
		"pets/pet_supplies": {
			nouns: []string{"猫砂", "猫爬架", "宠物窝", "牵引绳", "自动喂食器", "宠物饮水机"},
			mods:  []string{"除臭", "结团", "四季通用", "智能", "加厚", "可拆洗"},
			perks: []string{"除臭效果好", "结实耐用", "宠物喜欢", "易打理"},
		},
	},
	colours: map[string]string{
		"black": "黑色", "white": "白色", "grey": "灰色", "navy": "藏青色", "red": "红色", "pink": "粉色",
		"beige": "米色", "green": "绿色", "blue": "蓝色", "brown": "棕色", "silver": "银色", "gold": "金色",
	},
	materials: map[string]string{
		"cotton": "纯棉", "wool": "羊毛", "silk": "真丝", "polyester": "涤纶", "linen": "亚麻", "leather": "皮革",
		"canvas": "帆布", "nylon": "尼龙", "stainless": "不锈钢", "ceramic": "陶瓷", "wood": "实木",
		"silicone": "硅胶", "glass": "玻璃", "aluminium": "铝合金", "plastic": "ABS塑料",
	},
	formats: map[string]string{"paperback": "平装", "hardcover": "精装"},
	units:   map[string]string{"ml": "ml", "g": "g", "kg": "kg", "GB": "GB", "TB": "TB", "L": "L"},

	tagBestseller: "热卖",
	tagNew:        "新品",
	tags:          []string{"包邮", "限时折扣", "官方正品", "礼盒装", "七天无理由", "次日达"},
	materialLine:  "材质：%s。",
	closings:      []string{"正品保障，支持七天无理由退换。", "下单后48小时内发货。", "送礼自用两相宜。", "如有问题请联系在线客服。"},

	reviewsGood: []string{
		"%s质量很好，和描述一致，会回购。",
		"物流很快，包装完好，%s很满意。",
		"第二次买了，%s一如既往的好用。",
		"性价比很高，%s已经推荐给朋友了。",
		"做工不错，%s比预期的还要好。",
	},
	reviewsMid: []string{
		"%s还可以，中规中矩。",
		"%s整体一般，价格再低一点就好了。",
		"%s没问题，就是物流有点慢。",
	},
	reviewsBad: []string{
		"%s和图片差别有点大，不太满意。",
		"%s用了几次就出问题了，有点失望。",
		"%s质量一般，不会再买了。",
	},

	bookA: []string{"雾中", "海边", "北方", "夏日", "远山", "旧城", "月光下", "风起时", "星河", "雨后"},
	bookB: []string{"灯塔", "来信", "旅人", "花园", "河流", "回声", "钟声", "地图", "小屋", "约定"},
}

// syllable is one Chinese character of a brand name and its romanisation.
type syllable struct{ han, latin string }

// zhBrandFirst and zhBrandSecond are the characters invented Chinese brand
// names are made of, with a romanisation used for the brand's Latin name.
var zhBrandFirst = []syllable{
	{"澜", "Lan"}, {"屿", "Yu"}, {"栖", "Qi"}, {"沐", "Mu"}, {"芮", "Rui"}, {"柚", "You"}, {"橙", "Cheng"},
	{"溪", "Xi"}, {"棠", "Tang"}, {"禾", "He"}, {"朗", "Lang"}, {"墨", "Mo"}, {"岫", "Xiu"}, {"汀", "Ting"},
	{"芷", "Zhi"}, {"蔚", "Wei"}, {"珞", "Luo"}, {"筠", "Yun"}, {"黎", "Li"}, {"霁", "Ji"},
}

var zhBrandSecond = []syllable{
	{"颜", "yan"}, {"集", "ji"}, {"舍", "she"}, {"序", "xu"}, {"匠", "jiang"}, {"纪", "ji"}, {"洛", "luo"},
	{"植", "zhi"}, {"研", "yan"}, {"坊", "fang"}, {"町", "ting"}, {"作", "zuo"}, {"野", "ye"}, {"语", "yu"},
	{"澄", "cheng"}, {"氧", "yang"}, {"苑", "yuan"}, {"岚", "lan"}, {"弥", "mi"}, {"朵", "duo"},
}

// zhPublisherSuffix turns a brand name into a publisher's name.
const zhPublisherSuffix = "书局"
