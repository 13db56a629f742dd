"""Cost categories (成本科目) and the item words that imply one (domain.md)."""

from __future__ import annotations

from tools.base import Text

CATEGORIES: tuple[str, ...] = ("labor", "materials", "machinery", "subcontract", "overhead")

CATEGORY_LABELS: dict[str, Text] = {
    "labor": Text("人工费", "Labor"),
    "materials": Text("材料费", "Materials"),
    "machinery": Text("机械费", "Machinery"),
    "subcontract": Text("分包费", "Subcontract"),
    "overhead": Text("管理费", "Overhead"),
}

# Words that name a category directly (casefolded).
CATEGORY_WORDS: dict[str, str] = {
    **{key: key for key in CATEGORIES},
    "人工费": "labor", "人工": "labor", "工资": "labor", "人工成本": "labor", "劳务费": "labor",
    "labour": "labor", "wages": "labor", "wage": "labor",
    "材料费": "materials", "材料": "materials", "材料款": "materials", "material": "materials",
    "机械费": "machinery", "机械": "machinery", "机具": "machinery", "设备": "machinery",
    "施工机具使用费": "machinery", "equipment": "machinery", "plant": "machinery",
    "分包费": "subcontract", "分包": "subcontract", "分包工程款": "subcontract", "分包款": "subcontract",
    "subcontractor": "subcontract", "subcontracts": "subcontract",
    "管理费": "overhead", "企业管理费": "overhead", "现场经费": "overhead", "其他": "overhead",
    "其它": "overhead", "杂费": "overhead", "other": "overhead", "others": "overhead", "admin": "overhead",
}

# Item words: a message that names no category but one of these implies it.
ITEM_WORDS: dict[str, str] = {
    # materials
    "水泥": "materials", "钢筋": "materials", "砂子": "materials", "沙子": "materials", "砂": "materials",
    "石子": "materials", "碎石": "materials", "木材": "materials", "木方": "materials", "模板": "materials",
    "电缆": "materials", "电线": "materials", "沥青": "materials", "砖": "materials", "砌块": "materials",
    "混凝土": "materials", "商砼": "materials", "砂浆": "materials", "钢管": "materials", "扣件": "materials",
    "管材": "materials", "油漆": "materials", "涂料": "materials", "瓷砖": "materials", "钢材": "materials",
    "型钢": "materials", "防水卷材": "materials", "保温板": "materials", "玻璃": "materials",
    "lumber": "materials", "timber": "materials", "rebar": "materials", "cement": "materials",
    "concrete": "materials", "steel": "materials", "sand": "materials", "gravel": "materials",
    "bricks": "materials", "brick": "materials", "cable": "materials", "asphalt": "materials",
    "paint": "materials", "pipe": "materials", "pipes": "materials", "plywood": "materials",
    # machinery
    "挖掘机": "machinery", "挖机": "machinery", "勾机": "machinery", "吊车": "machinery", "塔吊": "machinery",
    "台班": "machinery", "泵车": "machinery", "铲车": "machinery", "装载机": "machinery", "压路机": "machinery",
    "汽车吊": "machinery", "叉车": "machinery", "发电机": "machinery", "租赁费": "machinery", "机械租赁": "machinery",
    "crane": "machinery", "excavator": "machinery", "rental": "machinery", "forklift": "machinery",
    "loader": "machinery", "generator": "machinery", "scaffold rental": "machinery",
    # subcontract
    "劳务分包": "subcontract", "防水": "subcontract", "专业分包": "subcontract", "分包队": "subcontract",
    "subcontractor payment": "subcontract",
    # overhead
    "办公": "overhead", "差旅": "overhead", "招待": "overhead", "餐费": "overhead", "办公用品": "overhead",
    "水电费": "overhead", "交通费": "overhead", "住宿": "overhead", "office": "overhead", "travel": "overhead",
    "meals": "overhead", "hotel": "overhead", "fuel": "overhead",
}


def category_label(category: str, lang: str, custom_label: str | None = None) -> str:
    """Display name of a category in a language; a project's own line shows its own label."""
    if category in CATEGORY_LABELS:
        return CATEGORY_LABELS[category].render(lang)
    return custom_label or category
