"""Deterministic, company-like names for screening benchmarks: a million names without a real million-name list.

Names follow the shapes seen on real lists and in deal parties: Chinese ("Ningbo Jinlong Precision Machinery
Co., Ltd."), Western ("Norvex Logistics GmbH", "Harbor Crest Capital LLC") and Russian or Gulf trading
companies ("OOO Tekhnoprom", "Alnar General Trading LLC"). The brand word, which is what identifies a company,
is built from syllables, so it has a long tail of rare words with a few common ones, as real names do; the
place, industry and legal-form words come from short pools and repeat, like "Technology" and "Co., Ltd." do.

Brand words that equal a word in `reserved` (the distinctive words of the real list names and of the labelled
queries) are drawn again, so a generated name never shares an identifying word with a labelled answer:
the generated names make the index big, they do not change what the right answer to a query is.
"""

import random
from collections.abc import Callable, Collection, Iterator

SEED = 20_261_124

CHINESE_PLACES = (
    "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Ningbo", "Suzhou", "Wuxi", "Xiamen", "Qingdao",
    "Dalian", "Tianjin", "Chengdu", "Chongqing", "Wuhan", "Changsha", "Nanjing", "Hefei", "Jinan", "Zhengzhou",
    "Shenyang", "Harbin", "Kunming", "Nanning", "Fuzhou", "Dongguan", "Foshan", "Zhuhai", "Shantou", "Wenzhou",
    "Jiaxing", "Shaoxing", "Taizhou", "Changzhou", "Nantong", "Yangzhou", "Xuzhou", "Yantai", "Weifang", "Zibo",
    "Tangshan", "Shijiazhuang", "Baoding", "Taiyuan", "Hohhot", "Lanzhou", "Urumqi", "Guiyang", "Nanchang",
    "Haikou", "Zhejiang", "Jiangsu", "Guangdong", "Shandong", "Hebei", "Henan", "Hubei", "Hunan", "Sichuan",
    "Fujian", "Anhui", "Jiangxi", "Yunnan", "Guangxi", "Shaanxi", "Liaoning", "Jilin", "Hainan", "Gansu",
    "Hong Kong", "Macau", "China",
)  # fmt: skip
PINYIN = (
    "an", "ao", "bai", "bao", "bei", "bin", "bo", "cai", "chang", "chao", "chen", "cheng", "chuang", "da", "dao",
    "de", "ding", "dong", "fa", "fang", "fei", "feng", "fu", "gang", "gao", "guang", "gui", "guo", "hai", "han",
    "hao", "he", "heng", "hong", "hua", "huan", "hui", "jia", "jian", "jiang", "jie", "jin", "jing", "jiu", "kai",
    "kang", "ke", "kun", "lan", "li", "lian", "liang", "lin", "ling", "long", "lu", "mao", "mei", "ming", "nan",
    "neng", "peng", "ping", "qi", "qian", "qiang", "qing", "quan", "rong", "rui", "run", "sen", "shan", "sheng",
    "shi", "shun", "si", "tai", "tian", "tong", "wan", "wei", "wen", "xiang", "xin", "xing", "xu", "ya", "yang",
    "yao", "ye", "yi", "yin", "ying", "yong", "yu", "yuan", "yue", "yun", "ze", "zhan", "zhao", "zhen", "zheng",
    "zhi", "zhong", "zhou", "zhu", "zi",
)  # fmt: skip
LATIN = (
    "al", "ar", "bel", "bra", "cor", "dex", "dor", "el", "en", "fi", "gal", "gen", "hal", "ix", "kor", "lan", "lex",
    "lu", "mar", "mer", "nor", "nov", "or", "pra", "quin", "ra", "ren", "sol", "ster", "tal", "tek", "tor", "tra",
    "val", "ven", "vex", "vi", "zan", "zen", "ton", "ca", "mo", "ri", "sa", "na", "do",
)  # fmt: skip
ENGLISH = (
    "Northern", "Atlantic", "Pacific", "Summit", "Pioneer", "Crescent", "Evergreen", "Silver", "Blue", "Golden",
    "Eagle", "Harbor", "Crest", "Oak", "River", "Stone", "Bridge", "Meridian", "Keystone", "Horizon", "Falcon",
    "Granite", "Liberty", "Sterling", "Orchid", "Cedar", "Phoenix", "Aurora", "Vertex", "Beacon", "Anchor",
    "Compass", "Delta", "Frontier", "Heritage", "Lakeside", "Maple", "Redwood", "Sunrise", "Westfield",
)  # fmt: skip
# The first COMMON_INDUSTRIES are in most names that have an industry word, each of the others in a few
# per thousand: "Technology" and "Trading" are everywhere, "Semiconductor" or "Shipping" rare, as in a register.
COMMON_INDUSTRIES = 12
INDUSTRIES = (
    "Technology", "Trading", "Investment", "Industrial", "Engineering", "Development", "Import and Export",
    "Holdings", "Consulting", "Services", "Information Technology", "Network Technology", "Electronics",
    "Logistics", "Real Estate Development", "Capital", "Resources", "Energy", "Software", "Chemical",
    "Precision Machinery", "New Materials", "Biotech", "Pharmaceutical", "Auto Parts", "Semiconductor",
    "Optoelectronic", "Textile", "Garment", "Food", "Environmental Protection", "Intelligent Equipment",
    "Medical Devices", "Construction Engineering", "Shipping", "Steel", "Aluminium", "Metal Products", "Plastics",
    "Paper", "Furniture", "Agricultural Development", "Mining", "Power Equipment", "Battery", "Photovoltaic",
    "Robotics", "Aviation Services", "Marine Engineering", "Instruments", "Culture Media", "Education Technology",
    "Financial Leasing", "Supply Chain Management", "Cold Chain", "Packaging", "Ceramics", "Glass", "Rubber",
    "Cable", "Valve", "Pump", "Bearing", "Tools", "Lighting", "Display", "Communication", "Data Services",
    "Cloud Computing", "Security", "Catering", "Hotel Management", "Advertising", "Printing", "Footwear",
    "Cosmetics", "Jewellery", "Toys", "Sporting Goods", "Household Appliances", "Fertilizer", "Seeds", "Dairy",
    "Seafood", "Tea", "Wine", "Tobacco Machinery", "Elevator", "Crane", "Boiler", "Transformer", "Compressor",
    "Motor", "Sensor", "Laser", "Fiber Optic", "Satellite Navigation", "Drone", "Vehicle Rental", "Property Management",
)  # fmt: skip
CHINESE_FORMS = ("Co., Ltd.", "Company Limited", "Group Co., Ltd.", "Holdings Limited", "Corporation", "Co. Ltd")
WESTERN_FORMS = (
    "Inc.", "LLC", "Ltd", "Limited", "GmbH", "S.A.", "B.V.", "PLC", "Pty Ltd", "AG", "S.A. de C.V.", "Corp.", "SARL",
)  # fmt: skip
OTHER_SHAPES: tuple[Callable[[str, str], str], ...] = (
    lambda brand, industry: f"OOO {brand}",
    lambda brand, industry: f"JSC {brand} {industry}",
    lambda brand, industry: f"{brand} General Trading LLC",
    lambda brand, industry: f"{brand} {industry} FZE",
    lambda brand, industry: f"AO {brand}prom",
)


def company_names(count: int, reserved: Collection[str] = (), seed: int = SEED) -> Iterator[str]:
    """`count` names, the same ones for the same seed: about half Chinese, a third Western, the rest other."""
    rng = random.Random(seed)
    for _ in range(count):
        shape = rng.random()
        industry = _industry(rng)
        if shape < 0.5:
            brand = _brand(rng, PINYIN, reserved)
            place = rng.choice(CHINESE_PLACES)
            yield " ".join(filter(None, (place, brand, industry, rng.choice(CHINESE_FORMS))))
        elif shape < 0.85:
            if rng.random() < 0.3:
                brand = f"{rng.choice(ENGLISH)} {rng.choice(ENGLISH)}"
            else:
                brand = _brand(rng, LATIN, reserved)
            yield " ".join(filter(None, (brand, industry, rng.choice(WESTERN_FORMS))))
        else:
            yield " ".join(rng.choice(OTHER_SHAPES)(_brand(rng, LATIN, reserved), industry or "Trading").split())


def _industry(rng: random.Random) -> str:
    """An industry word or none (one name in six): a common one two times in three, else one of the long tail."""
    draw = rng.random()
    if draw < 1 / 6:
        return ""
    if draw < 0.72:
        return INDUSTRIES[int(COMMON_INDUSTRIES * rng.random() ** 1.5)]
    return rng.choice(INDUSTRIES[COMMON_INDUSTRIES:])


def _brand(rng: random.Random, syllables: tuple[str, ...], reserved: Collection[str]) -> str:
    """Two or three syllables, the first ones of the pool more often (a few common brands, a long tail)."""
    while True:
        parts = [syllables[int(len(syllables) * rng.random() ** 1.5)] for _ in range(2 if rng.random() < 0.7 else 3)]
        word = "".join(parts)
        if word not in reserved:
            return word.capitalize()
