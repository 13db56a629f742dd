"""What the parser asks and says, in Chinese and English: one Text per question, rendered by Analysis.t."""

from __future__ import annotations

from tools.base import Text

QUESTIONS = {
    "unknown_near": Text("没有找到工人“{name}”，你是说{near}吗？", "No worker called “{name}”. Did you mean {near}?"),
    "unknown": Text(
        "没有找到工人“{name}”。请检查名字，或先添加这个工人。",
        "No worker called “{name}”. Check the name, or add the worker first.",
    ),
    "ambiguous_worker": Text("“{name}”可能是：{options}，请说清楚是哪位。", "“{name}” could be: {options}. Which one?"),
    "which_worker": Text("是哪位工人？请写上名字。", "Which worker? Please give the name."),
    "one_worker": Text(
        "一次只能给一位工人记借支或结算，请分开发。", "One worker at a time for advances and settlements, please."
    ),
    "each_amount": Text(
        "几位工人的金额不明确：是每人各多少，还是一共？请每人写上金额，例如“张三500 李四800”。",
        "Whose amount is which? Give each worker an amount, e.g. “Mike 500, Tom 800”.",
    ),
    "how_much_work": Text(
        "{who}干了多少？例如“一天”“半天”“8小时”。", "How much did {who} work? E.g. “1 day”, “half day”, “8 hours”."
    ),
    "how_much_money": Text("金额是多少？", "How much is it?"),
    "how_many_units": Text(
        "单价 {price} 元/{unit}，一共多少{unit}？请写上总数或总金额。",
        "{price} per {unit}: how many? Please give the count or the total.",
    ),
    "which_amount": Text("金额不明确，请只写一个金额。", "Which amount? Please give one amount."),
    "how_many": Text(
        "单价 {price} 元，一共多少？请写上数量（例如“2吨”）或总金额。",
        "{price} per unit: how many? Please give the count (e.g. “2 tons”) or the total.",
    ),
    "price_disagrees": Text(
        "金额对不上：{count}{unit} × {price} = {product}，但总价写的是 {total}。是哪个？",
        "The figures disagree: {count} {unit} × {price} = {product}, but the total says {total}. Which is it?",
    ),
    "count_times_price": Text(
        "按 {count}{unit} × 单价 {price} = {product} 元记", "{count} {unit} × {price} = {product}"
    ),
    "total_over_price": Text("总价 {total} ÷ 单价 {price} = {count}", "total {total} ÷ {price} each = {count}"),
    "which_category": Text(
        "这笔{amount}元记到哪个成本科目？人工费/材料费/机械费/分包费/管理费",
        "Which cost category for {amount}? labor/materials/machinery/subcontract/overhead",
    ),
    "which_task": Text("是哪个任务？现有：{options}", "Which task? Known: {options}"),
    "future": Text("日期 {day} 还没到，不能记录。", "{day} is in the future; it cannot be recorded."),
    "which_place": Text(
        "“{place}”是哪个项目？请写上项目：{options}", "Which project is “{place}”? Please name one: {options}"
    ),
    "which_project_of": Text("记到哪个项目？请写上项目：{options}", "Which project? Please name one: {options}"),
    "past_or_ahead": Text(
        "是 {past} 还是 {ahead}？还没到的日期不能记录；过去的请写全日期，例如 {past}。",
        "{past} or {ahead}? A day still to come cannot be recorded; for a past one write it in full, e.g. {past}.",
    ),
    "which_direction": Text(
        "这笔钱是收入还是支出？例如“收到甲方20万”或“付给钢材厂10万”。",
        "Is this money in or out? E.g. “received 200k from the owner” or “paid 50k to Acme”.",
    ),
    "which_date": Text("日期不明确，请写一个具体日期。", "Which date? Please give one day."),
    "which_project": Text("提到了多个项目，请一次只说一个。", "Several projects are named; please name one."),
    "unsure": Text(
        "数目不确定的我不记。请给一个确切的数，例如“张三昨天一天”“水泥2500”。",
        "I only record exact figures. Please give the exact number, e.g. “Mike 1 day yesterday”.",
    ),
    "fix_which_day": Text(
        "更正哪一天的记工？请写上日期，例如“更正 {worker} {day} 半天”。",
        "Which day's entry is to be corrected? Please give the date, e.g. “correction: {worker} {day} 0.5 day”.",
    ),
    "fix_how_much": Text(
        "{who}那天改成多少？请写全那天的工日或小时（有加班一起写），"
        "例如“更正 {who} {day} 一个工加班2小时”，会替换那天的记录。",
        "What should {who}'s entry become? Give that day's days or hours in full (with any overtime), "
        "e.g. “correction: {who} {day} 1 day overtime 2”; it replaces that day's entry.",
    ),
    "fix_other": Text(
        "这样只能更正记工（几个工、几小时、加班）。其他记录请撤回（/undo）后重记。",
        "Only day labour (days, hours, overtime) can be corrected this way. For anything else, /undo it "
        "and record it again.",
    ),
    "unread": Text(
        "没看懂“{words}”，怕记错，这次没有记录。请换个说法再发，日期请写成“昨天”“前天”“11月23日”这样。",
        "I could not read “{words}”, so nothing was recorded rather than guessed. Please say it another "
        "way; give dates like “yesterday” or “Nov 23”.",
    ),
    "dropped": Text(
        "“{words}”和这条里的其他内容分不开，怕记错，这次没有记录。请一件事一句，用逗号或换行分开，"
        "例如“张三今天1工，借支200”。",
        "I could not tell what “{words}” goes with, so nothing was recorded rather than guessed. Please give one "
        "thing per part, separated by commas or lines, e.g. “Mike 1 day today, advance 500”.",
    ),
    "sign": Text(
        "“{figure}”带负号，我不知道该怎么记：是退款、退货冲账，还是写错了？负数不会记，这次没有记录。"
        "退回的钱请说“退回…”，写错了请发正确的数。",
        "“{figure}” has a minus sign, and I cannot tell what it means: a refund? a mistake? Nothing was recorded; "
        "if it was a mistake, send the right figure.",
    ),
    "clock_which": Text(
        "“{clock}”是早上还是晚上？请写“晚上{hour}点”或“{late}:00”这样，以免算错加班。",
        "Is “{clock}” morning or evening? Please write “{hour}pm” or “{late}:00”, so the overtime is right.",
    ),
    "clock_before_end": Text(
        "“{clock}”不晚于下班时间 {day_end}，算不出加班。请直接写加班几小时，例如“加班2小时”。",
        "“{clock}” is not after the {day_end} end of the working day, so it gives no overtime. Please say the "
        "hours, e.g. “overtime 2 h”.",
    ),
    "clock_span_which": Text(
        "“{clock}”是几点到几点？请写上“上午”“下午”或 24 小时制，例如“7:00到17:00”。",
        "Which hours are “{clock}”? Please write am/pm or 24-hour times, e.g. “7:00 to 17:00”.",
    ),
    "clock_minutes": Text(
        "“{clock}”算不出整数的加班小时，请直接写几小时，例如“加班2.5小时”。",
        "“{clock}” does not give whole or half hours; please say the hours, e.g. “overtime 2.5 h”.",
    ),
    "overtime_until": Text(
        "加班到 {end}，按下班时间 {day_end} 算 {hours} 小时",
        "overtime until {end}, from the {day_end} end of day: {hours} h",
    ),
    "worked_until": Text(
        "干到 {end}，按下班时间 {day_end} 算一天加班 {hours} 小时",
        "worked until {end}: a day plus {hours} h overtime after the {day_end} end of day",
    ),
    "worked_until_more": Text(
        "干到 {end}，按下班时间 {day_end} 算加班 {hours} 小时",
        "worked until {end}: {hours} h overtime after the {day_end} end of day",
    ),
    "span_hours": Text("{start} 到 {end} 算 {hours} 小时", "{start} to {end} counted as {hours} h"),
    "span_overtime": Text("{start} 到 {end} 算加班 {hours} 小时", "{start} to {end} counted as {hours} h overtime"),
    "each_day": Text(
        "{first} 到 {last} 每天一条，共 {n} 天",
        "one entry a day from {first} to {last}, {n} days",
    ),
    "overtime_only": Text(
        "{worker} {day} 只有加班 {hours} 小时，没有当天的工：只记加班吗？",
        "{worker} on {day}: {hours} h overtime and no day of work. Only the overtime?",
    ),
    "too_much_in_a_day": Text(
        "{worker} {day} 记 {figure}，一天里不可能有这么多（最多 3 个工、16 小时）。请核对后重发。",
        "{worker} on {day}: {figure} is more than one day can hold (3 days, 16 hours at most). Please check it.",
    ),
    "settle_all": Text(
        "给{worker}结清全部未结工资：确认后按实际欠的金额结算。",
        "Settle everything {worker} is owed: the amount owed is shown before it is recorded.",
    ),
    "not_applied": Text(
        "注意：没有按“{words}”筛选，这项查询不能按它分。",
        "Note: not filtered by “{words}”: this report cannot be split that way.",
    ),
    "paid_worker": Text(
        "和工人有关的这笔钱是什么？借支请说“张三借支500”，结工资请说“给张三结工资500”；罚款、扣款、红包这类暂不能记。"
        "这次没有记录。",
        "What is the worker's money? An advance: “advance Mike 500”; wages: “paid Mike 500 wages”. Fines, deductions "
        "and bonuses cannot be recorded yet. Nothing was recorded.",
    ),
    "split_total": Text(
        "{names}一共的工怎么分？请每人写上，例如“张三1工 李四半天”，或“张三李四各1工”。这次没有记录。",
        "How is the total split between {names}? Give each their own, e.g. “Mike 1 day, Tom half a day”, or “Mike "
        "and Tom 1 day each”. Nothing was recorded.",
    ),
    "money_back": Text(
        "这条是退款或还款（钱回来了），不是新的支出或借支，没有记录。"
        "请撤回或更正原来那笔：按它下面的 ↩️ 撤回、发 /undo，或发“更正 …”。",
        "That reads as money coming back (a refund or a repayment), not a new cost or advance, so nothing was "
        "recorded. Undo or correct the entry it pays back: ↩️ Undo under it, /undo, or a correction.",
    ),
    "reversal": Text(
        "这条像是要取消、作废或冲销一笔已有的记录，没有记新的。撤回刚记的一条：按它下面的 ↩️ 撤回 或发 /undo；"
        "改数字：发“更正 …”，例如“更正 张三 昨天 半天”。",
        "That reads as cancelling, voiding or reversing an existing entry, so nothing new was recorded. To take back "
        "your last entry press ↩️ Undo under it or send /undo; to change a figure send a correction, e.g. “correction: "
        "Mike yesterday half a day”.",
    ),
    "ambiguous": Text(
        "没太明白，请换个说法或用命令，例如 /log 张三 1 昨天。",
        "I am not sure what to record. Try a command, e.g. /log Mike 1 yesterday.",
    ),
}
