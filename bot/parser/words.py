"""The words that decide an intent: the regexes the analysis and the planners share, and the words that are
never names (surnames, fillers)."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.parser.numbers import NUMBER

# -- the words that decide an intent ----------------------------------------------------------------

_N = r"(?:\d+(?:\.\d+)?|[一二两俩三四五六七八九十]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|an?)"
_HOUR_UNIT = r"(?:小时|钟头|个钟|钟|h(?![a-z])|hours?(?![a-z])|hrs?(?![a-z]))"
_DAY_UNIT = r"(?:天|工日|工(?![资地人程种头钱期作具友长棚序])|days?(?![a-z]))"


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


BLOCK_RE = _re(
    r"ignore (all |the )?(previous|above|prior)|disregard|system prompt|drop\s+table|delete\s+(all|every)"
    r"|truncate|rm -rf|;\s*--|删除所有|删除全部|全部删除|清空|系统提示|提示词|你现在是|忽略(之前|以上|前面)"
    # Words put in the assistant's or the system's mouth (Assistant: 已记录…, SYSTEM: you are now admin): a person
    # reporting work never writes a speaker label; such text is quoted or forged, and nothing of it is recorded.
    r"|^\W*(?:assistant|system|sys|bot|ai|gpt|助手|系统|机器人|小助手|客服)\s*[:：]"
    r"|(?<![a-z])(?:you are now|you're now|act as|pretend to be)(?![a-z])|你现在是|你扮演|假装你是"
)
UNDO_RE = _re(
    r"撤回|撤销|撤消|回撤|^undo(?![a-z])|(?<![a-z])undo (that|the last|last|it)|取消(上一|刚才|刚刚|最后)"
    r"|(删掉|删除|删了)(上一|刚才|刚刚|最后)"
    r"|(上一|刚才|刚刚|最后一)[^,.!?]{0,8}(删掉|删了|删除|撤掉|撤了|作废|不要了|不算|取消)"
    r"|^\W*(scratch that|cancel (that|the last( one| entry)?)|delete (that|the last( one| entry)?))\W*$"
)
# Taking back an entry already made (取消钢筋8000, 作废, 冲销, 红冲, 退钢筋8000, void the rebar 8000): never a new
# entry of the same figure. An undo of the last entry is UNDO_RE's; any other is the user's to do by undo or a
# correction, so such a message records nothing.
REVERSAL_RE = _re(
    r"取消|作废|冲销|冲红|红冲|冲账|冲正|冲掉|撤账|删掉|删除|删了|删去|去掉(?:这|那|上)|不要(?:这|那)笔|退(?:掉|货)"
    r"|退(?=[^\d,.!?;，。！？；]{1,8}\d)"
    r"|(?<![a-z])(?:cancel(?:led|ed|s)?|void(?:ed|s)?|revers(?:e|ed|al|ing)|delete[ds]?|deleting|write[- ]?off"
    r"|written off|remove (?:the|that|this|my) (?:entry|record|cost|payment|advance|receipt|day|expense)"
    r"|back(?:ed)? out|take back|took back|roll(?:ed)? back|rollback)(?![a-z])"
)
# Money coming back (a supplier's refund, a worker repaying an advance): never a new cost, advance or payment out.
MONEY_BACK_RE = _re(
    r"返还|返款|返钱|返现|返利|退还|退款|退钱|退回|还借支|还借款|还了|还钱|还款|归还|还清|还回"
    r"|(?<![a-z])(?:refund(?:ed|s)?|repaid|repay(?:s|ment)?|paid back|pays? back|returned|reimburs\w*|rebate)(?![a-z])"
)
LIST_RE = _re(
    r"(哪些|几个|什么|所有|全部|我的)项目|项目(列表|清单|有哪些)"
    r"|(?<![a-z])(list|show|which|what)(?![a-z]).{0,20}projects|my projects"
)
QUERY_RE = _re(
    r"多少|(?<![那这前头后近好])几(?:[个天工号次]|(?!\s*[十百千万]))|怎么样|怎样|如何|吗|么|呢\s*(?=$|[,.!?;。~])"
    r"|没有?$|没有?\?|\?|有没有|(?P<verb>[\u4e00-\u9fff])[没不](?P=verb)|是否|汇总|统计|查一?下?|看看"
    r"|看一下|看下|情况|报表|导出|分析|明细|状况|清单|还剩|剩多少|够不够|超了|超支|了没"
    r"|(?<![a-z])(how|what|what's|whats|which|show|status|report|summary|list|any|are we|is it|did|do we"
    r"|export)(?![a-z])"
)
HEALTH_RE = _re(r"健康|挣值|赢得值|cpi|spi|eac|earned value|health|绩效|(?<![a-z])(ev|pv|vac|tcpi)(?![a-z])")
FUND_RE = _re(
    r"账上|账户|余额|资金|现金|钱够|有多少钱|还有多少钱|钱还有|收支|进出账|流水"
    r"|(?<![a-z])(cash|balance|funds?|bank)(?![a-z])"
)
LABOR_STRONG_RE = _re(
    r"考勤|出勤|点工|记工|labou?r summary|attendance|timesheet|谁来了|来了几|多少个?工|几个?工|几天"
    r"|多少天|多少个天|来了多少|上了多少|出了多少|几个?班"
    r"|工日|days did|days worked|days has|worked how"
    r"|出工(?:情况|多少|几)|出勤情况|(?:每天|一天)(?:来|出工)?(?:了)?多少人"
)
BUDGET_RE = _re(
    r"预算|超支|超了|超没|超出|花了多少|用了多少|花多少|花了几|还剩|剩多少|剩下|花费|成本"
    r"|spent|spend|budget|overrun|(?<![a-z])cost"
)
# Budget words proper: a question with them is about cost against budget (budget_status) ...
BUDGET_ONLY_RE = _re(r"预算|超支|超了|超没|超出|还剩|剩多少|剩下|budget|overrun|left(?![a-z])|remaining")
# ... without them, about what was spent, which a period, an item or a supplier can filter (cost_summary).
SPENT_RE = _re(r"买了多少|买了几|进了多少|采购了多少|spent|spend|bought|cost")
# Money that moved in or out, asked about (这个月收了多少钱, 付了华新多少): fund_status.
MOVED_RE = _re(
    r"收了?[^,.!?]{0,10}?(?:多少|几)|收到[^,.!?]{0,10}?(?:多少|几)|(?:进账|回款|到账|入账)[^,.!?]{0,4}?(?:多少|几)"
    r"|(?:付|转|打|汇|拨)了?[^,.!?]{0,10}?(?:多少|几)|(?:付出去|支出)[^,.!?]{0,4}?(?:多少|几)"
    r"|(?<![a-z])(?:paid|pay|received|receive|came in|went out)(?![a-z])"
)
LABOR_WEAK_RE = _re(r"工资|借支|预支|借了|欠|没结|未结|结了多少|汇总|统计|wages|advances|owed|outstanding")
SCHEDULE_RE = _re(
    r"进度(?!款)|工期|延期|滞后|拖期|拖|延误|落后|计划|schedule|behind|(?<![a-z])late(?![a-z])|delayed"
    r"|on track|overdue|at risk"
)
# A figure the writer is not sure of is not recorded: hedges, ranges, round guesses (好像, 两三天, 几千, 一千多).
HEDGE_RE = _re(
    r"好像|大概|大约|差不多|左右|估计|可能|也许|记不清|不确定|说不准|不太清楚|不记得|或者|还是"
    r"|几\s*[十百千万]|[一二两三四五六七八九][两三四五六七八九]\s*[十百千万天个工块元小]|[十百千万]\s*[来多余]|[千百万]把"
    r"|(?<![a-z])(maybe|probably|roughly|approximately|approx|or so|not sure|i think)(?![a-z])"
    r"|半多|过半|多一点|出头|以上|不到|将近|接近|快要|快完"
    r"|(?<![a-z])(almost|nearly|over|more than|less than)\s"
    r"|(?<![a-z])(about|around|some|like)\s*[$¥]?\d|\d\s*(ish|odd|or so)(?![a-z])|~\s*\d"
)
# A round guess at an amount (几千, 一两千, 千把块, 三千多): said in a statement, it is asked about, not read as a
# question (花了几千块 is no "how much").
VAGUE_AMOUNT_RE = _re(
    r"几\s*[十百千万]|[一二两三四五六七八九][两三四五六七八九]\s*[十百千万]|[十百千万]\s*[来多余]|[千百万]把"
)
# A yes/no question whether a worker came or worked (赵六昨天干了一天吗？, did Mike work yesterday?) is a read of
# that worker's labour; one about a plan or a record to make (要不要给张三记一天？, should I log Tom?) is not.
ATTENDED_RE = _re(
    r"干|来|上班|上工|出工|做工|到岗|在工地|(?<![a-z])(work|worked|came|come|show(ed)? up|on site)(?![a-z])"
)
ASKING_RE = _re(
    r"吗|么|没有?\s*\??$|了没|(?P<v>[\u4e00-\u9fff])[没不](?P=v)|\?|(?<![a-z])(did|was|were|has|have)(?![a-z])"
)
MODE_RE = _re(r"要|会|该|需要|准备|打算|记|算|给|(?<![a-z])(should|shall|will|would|log|record|add)(?![a-z])")
# A building, phase or section the lexicon does not know (1号楼 in the 3号楼 chat): maybe another project.
PLACE_RE = _re(
    r"(?:\d+|[一二三四五六七八九十]+)\s*(?:号楼|栋|幢|#楼?|标段|标"
    r"|期(?!\s*的?\s*(?:进度款|工程款|付款|拨款|款)))"
)  # 第4期进度款 is an instalment
# 第4期, 第二次, 第3批: an ordinal, never an amount.
ORDINAL_RE = _re(rf"第\s*(?:{NUMBER})\s*(?:期|次|批|笔|车|趟|个|位|名)")
REPORT_RE = _re(r"考勤|出勤|汇总|统计|明细|报表|台账|流水|工资表|记工表|timesheet|attendance|summary|report")
EXPORT_RE = _re(r"导出|excel|xlsx|表格|export")
BY_TRADE_RE = _re(r"按工种|分工种|by trade|per trade")
BY_DAY_RE = _re(r"按天|按日|每天|by day|per day|daily")

FUND_IN_RE = _re(
    r"收到|收了|到账|回款|(打|转|汇|拨)(过)?来|拨款|入账|进账"
    rf"|(打|转|汇|拨)了?\s*(?:{NUMBER})\s*(?:元|块)?\s*过来"
    r"|(甲方|业主|建设单位|建设方|发包方|开发商)[^\s,.!?]{0,4}?(打款|转账|汇款|付款|拨款|付了|打了|转了|汇了)"
    r"|(款|钱|资金)\s*(已经|已|也|都)?\s*(到了|到位|下来了)"
    r"|(?<![a-z])received(?![a-z])|got paid|payment from|came in|was paid in"
    r"|(?<![a-z])(?:owner|client|developer)\s+(?:has\s+|just\s+)?(?:paid|transferred|sent|wired|deposited)(?![a-z])"
    r"|(?<![a-z])got(?![a-z]).*(?<![a-z])from(?![a-z])"
)
FUND_OUT_RE = _re(
    r"(?:付|支付|转|打|汇)(?:款|账)?给"
    rf"|(?:付|支付|转|打|汇)了?\s*(?:{NUMBER})\s*(?:元|块)?\s*给"
    r"|(?:付|支付|转|打|汇)[^,.!?给]{0,10}?(?:\d|[万千百]|款|钱)[^,.!?给]{0,8}给"
    r"|(?<![a-z])(paid|pay|transfer|transferred|sent|send|wire|wired)(?![a-z]).*(?<![a-z])to(?![a-z])"
)
ADVANCE_RE = _re(
    r"借支|预支|预付|先支|借了|借钱|借给|生活费|借(?=\s*\d|\s*[零一二两三四五六七八九十百千])|advance|borrowed"
)
SETTLE_RE = _re(
    r"结算|结清|结了|结账|[发付结开打转](了|过)?.{0,6}(工资|工钱)"
    r"|(工资|工钱).{0,3}(已经|已)?[发付结开打转]了?(?!多少)|settle"
    r"|(paid|pay)(?![a-z]).*wages|wages paid"
)
# Money handed to a worker with neither 借支 nor 工资 said (给张三发了500, paid Tom 500): an advance or wages?
PAID_WORKER_RE = _re(r"[付发转打给]了|(?<![a-z])(?:paid|gave|sent|transferred)(?![a-z])")
# Wages settled in full (给张三结清工资, 把李四的工资结了): everything owed, when no amount is said.
SETTLE_ALL_RE = _re(
    r"结清|结完|结掉|全结|全部结|都结|结了|(?<![a-z])(settle\w* (?:all|everything|in full|up)|pay \w+ off|paid \w+ off)"
)
# Bought on credit: the cost is booked, nothing is paid yet (a payable to the supplier).
CREDIT_RE = _re(
    r"赊账|赊的|赊了|赊来|赊购|赊|挂账|挂着|记账上|先欠着?|欠着|还没付钱?|还没给钱|没付钱?|未付款?|钱还没给|款还没付"
    r"|(?<![a-z])(?:on credit|unpaid|not (?:yet )?paid(?: yet)?|haven'?t paid(?: yet)?|pay later|on account)(?![a-z])"
)
# Paying a counterparty the project knows (付宏达钢材30万, 永茂塔吊付了3.6万, paid Holcim 20000): money out against
# what is owed to them, unless the message buys something (买, 采购: a cost paid at once).
PARTY_PAY_RE = _re(
    r"付|支付|打款|转账|汇款|结了|结清|结算|结账|货款|(?:转|汇)了|(?:转|打|汇)过去|给[^,.!?]{0,12}(?:转|打|汇)"
    r"|(?<![a-z])(?:paid|pay|payment|settled?|transferred)(?![a-z])"
)
PURCHASE_RE = _re(
    r"买|购|采购|进货|花了|花费|进场|送来|拉来|运来|到了|到货|用了"
    r"|(?<![a-z])(?:bought|buy|purchased?|delivered|delivery|spent|spend)(?![a-z])"
)
# A confirmation said in the message itself for a cost or a day over a stopped budget line.
CONFIRM_OVER_RE = _re(
    r"[,，;；]?\s*(?:确认超预算|确认超支|超预算也?记|超支也?记|超了也记"
    r"|(?<![a-z])confirm(?:ed)?,?\s+(?:the\s+)?(?:over(?:\s*-?\s*)budget|overrun)(?![a-z]))"
)
# Things no tool records: absence, and money paid back (张三还了300借支 is not a new advance).
NEGATION_RE = _re(
    r"没来|没有来|没干|没上班|没出工|没去|不来|没到|请假|休息|旷工|缺勤"
    r"|还了|还钱|还款|归还|还清|还回|退回|退了|退款|退钱|退货"
    r"|(?<![a-z])(repaid|paid back|returned|refund|refunded)(?![a-z])"
    r"|(?<![a-z])(absent|off|didn't|did not|didnt|no show|not)(?![a-z])"
)
PART_DAY_ABSENCE_RE = _re(
    r"(?:上午|下午|晚上|中午|早上|上半天|下半天|前半天|后半天)\s*(?:就|都|也)?\s*"
    r"(?:没来|没有来|没干|没上班|没出工|没在|不在|请假|休息|走了)"
)
CHANGE_RE = _re(r"改成|改为|修改|调整|调成|换成|change|update (the )?rate")
CORRECTION_RE = _re(r"报高了|报多了|报错了|搞错|更正|纠正|改正|应该是|其实是|correction|overstated|should be")
# A day already logged, corrected (更正 张三 昨天 半天, 张三昨天改成半天, 王五昨天不是一天是半天): the entry is
# replaced.
FIX_RE = _re(
    r"更正|纠正|改正|订正|修正|改成|改为|改到|调成|调为|换成|记错|搞错|弄错|写错|记成|写成|报错|错了"
    r"|应该是|应是|应为|应该算|其实是|实际是|实际上是|而是|不是"
    r"|(?<![a-z])(correction|correct|corrected|should be|should have been|wrong|mistake|mistaken|change)"
    r"(?![a-z])"
)
# A correction said of the whole message (更正：张三昨天一天，李四半天): every worker named is corrected.
FIX_ALL_RE = _re(
    r"^\s*(更正|纠正|改正|订正|修正|correction|correct(?![a-z]))"
    r"|(更正|纠正|改正|订正|修正|correction)\s*$"
)
# What the entry is to become follows these (张三昨天一个工改成半天: 一个工 was the old figure) ...
FIX_NEW_RE = _re(
    r"改成|改为|改到|调成|调为|换成|应该是|应是|应为|应该算|其实是|实际是|实际上是|而是"
    r"|(?<![a-z])(should be|should have been|to)(?![a-z])"
)
# ... and the old figure follows these (不是一天, not a full day, instead of 1 day).
FIX_OLD_RE = _re(
    r"(?:不是|原来是?|原先是?|本来是?|之前是?|原来记的?|记成了?|写成了?|从"
    r"|(?<![a-z])(?:not|instead of|rather than|from|was)(?![a-z]))\s*(?:记了?|写了?|的)?\s*$"
)
# A bare number after the new-figure word (改为0.5, 应该是1) is the days of the corrected entry.
FIX_BARE_RE = _re(
    r"(?:改成|改为|改到|调成|调为|换成|应该是|应是|应为|应该算|其实是|实际是|是|从"
    r"|(?<![a-z])(?:to|be|been|from|not|was))"
    r"\s*[:=]?\s*(?P<n>\d+(?:\.\d+)?|半|half(?![a-z]))"
    r"(?![\d.%a-z]|\s*(?:[万千百元块号月日/-]|(?:k|w|yuan|rmb|cny|bucks?|dollars?)(?![a-z])))"
)
# A correction of something other than labour days (工资改成300, 改成材料费, 借支改成500) is not written here.
FIX_OTHER_RE = _re(
    r"工资|工钱|日薪|工价|单价|价格|借支|预支|结算|金额|钱|款|费|账|进度|(?<!\d)%"
    r"|(?<![a-z])(wages?|pay|paid|rate|amount|price|cost|money|advance|settle\w*|progress|percent)"
    r"(?![a-z])"
)
PROGRESS_WORD_RE = _re(r"完成|进度|到了|到|已经|done|complete|completed|finished|progress")
COST_WORD_RE = _re(r"花了|花|买|付|费|采购|cost|spent|bought|paid")

PERCENT_RE = _re(
    r"(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent(?![a-z])|pct(?![a-z]))"
    r"|百分之\s*(?P<cn>[\d.]+|[零一二两三四五六七八九十百点]+)"
    r"|(?<![\d一二三四五六七八九十])(?P<cheng>[一二三四五六七八九]|\d)\s*成(?!本|功)"
    r"|(?P<half>一半|过半)"
)
# A bare figure ending a clause after a word of progress (管网铺设完成80, 砌体做到60了): that task's percent.
PROGRESS_BARE_RE = _re(
    r"(?:完成了?|做到了?|干到了?|到了?|进度(?:是|为|到了?)?)\s*(?P<n>\d{1,3}(?:\.\d+)?)"
    r"(?=\s*(?:了|啦)?\s*(?:$|[,.!?;。]))"
)
MONEY_WORD_RE = _re(r"[元块钱款费账]|花|买|付|收|借|结|工资|(?<![a-z])(yuan|rmb|cny|paid|pay|cost)(?![a-z])")
# A task finished, said without a figure (沥青摊铺昨天做完了): 100% when the message has no number of its own.
DONE_RE = _re(
    r"完工|竣工了|全部完成|全完了|(?:做|干|弄|搞)完了|(?:已经|已|都)?完成了$"
    r"|(?<![a-z])(done|fully done|all done|complete|completed|finished)(?![a-z])"
)
DAYS_RE = _re(
    rf"(?P<n>{_N})\s*个?\s*(?P<h1>半)?\s*{_DAY_UNIT}(?P<h2>半)?|(?P<half>半\s*个?\s*(?:天|工日|工))"
    r"|(?P<full>一?整天|全天|(?:a\s+)?(?:full|whole)\s+day)|(?P<enhalf>half\s+(?:a\s+)?day)"
    # 晌 (northern usage): half a day's work, 一个晌 = 半晌 = 0.5 工, 两晌 = 1; 晌午 is noon.
    rf"|(?P<shang>{_N})\s*个?\s*晌(?!午)|(?P<shanghalf>半\s*个?\s*晌(?!午))"
)
HOURS_RE = _re(rf"(?P<n>{_N})\s*个?\s*(?P<h1>半)?\s*{_HOUR_UNIT}|(?P<half>半\s*个?\s*(?:小时|钟头))")
LABOR_CONTEXT_RE = _re(r"点工|记工|出工|上工|开工|来了|到了|考勤|出勤|工日|attendance|timesheet|day labou?r")
BARE_DAYS_RE = _re(r"\s*[:=]?\s*(?P<n>\d+(?:\.\d+)?|\.\d+|半)(?![\d.%]|\s*(?:[万千百kw元块号月日/-]|[a-z]))")
NAME_AND_NUMBER_RE = _re(r"[\s,.;、]*\|+\s*[:=]?\s*(?:\d+(?:\.\d+)?|\.\d+|半)[\s,.;、]*")
EACH_DAYS_RE = _re(r"(?:各|每人|一人|都)\s*(?P<n>\d+(?:\.\d+)?|[一两俩半])\s*个(?=\s|$|[,.!?])")
MAX_BARE_DAYS = Decimal(3)
OT_BEFORE_RE = _re(
    r"(加班|加了|(?<=[天工个])\s*加|overtime|ot|\+)\s*(改成|改为|应该是|应是|应为|是|should be|to)?\s*了?\s*(of\s+)?$"
)
OT_AFTER_RE = _re(r"^\s*(的)?\s*(加班|班|overtime|ot(?![a-z]))")
OT_BARE_RE = _re(
    rf"(?:加班|(?<![a-z])(?:overtime|ot)(?![a-z]))\s*(?P<n>{_N})"
    r"(?!\s*(?:个|半|小时|钟|天|工|h|\d|\.|[a-z]))"
)
RATE_RE = _re(
    r"(?:日工资|日薪|工价|daily rate|rate)\s*[:=]?\s*(?P<a>\d+(?:\.\d+)?)\s*(?:元|块)?(?:\s*/\s*天)?"
    r"|按\s*(?P<b>\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:一天|/天|每天|算)"
)
# A minus sign before a figure (-5000, −1, 负300); a dash after a digit or a letter is a range or a code.
NEGATIVE_RE = _re(
    rf"(?<![\d.a-z])(?:(?<!\S)-(?=\S)|(?<=\S)-(?=\d)|^-\s*|−|负\s*)(?={NUMBER})(?!(?:{NUMBER})\s*(?:层|楼|f(?![a-z])))"
)  # 负一层: a floor
NOT_MONEY_AFTER_RE = _re(
    r"^\s*(个|半)?\s*(天|工(?![资钱])|小时|钟|%|#|成|号|日|吨|方|车|袋|米|m(?![a-z])|kg|斤|公斤"
    r"|根|张|台|人(?!工)|层|楼|箱|桶|片|平|次|遍|月|周|年|点|包|卷|捆|盒|件|套|条|只|组|批|瓶|罐|趟|(?<=个)"
    r"|hours?|days?|tons?|pcs|bags?|trucks?|h(?![a-z])|st|nd|rd|th)"
)
MONEY_AFTER_RE = _re(r"^\s*(元|块|rmb|yuan|cny)")
EACH_RE = _re(r"各|每人|每个人|一人|都|(?<![a-z])(each|apiece|per head)(?![a-z])")
DESCRIBED_RE = _re(r"\s*(?:的|那|这)?\s*(?:工资|工钱|钱|账|款|进度款|工程款|预付款|货款|租金|房租|生活费|wages|pay)")
DESCRIBED_BEFORE_RE = _re(r"(?:工资|工钱|租金|租费|房租|费|款|(?<![a-z])(?:for|of))\s*$")
MONEY_BEFORE_RE = _re(r"(¥|￥|\$|rmb|cny)\s*$")

# Words around names in labour and payment messages; what is left over may be an unknown name.
FILLER_RE = _re(
    r"记一下|记一笔|记下|帮我|帮忙|麻烦|请|登记|记录|记工|两人|俩人|三人|\d+人|每人|一共|总共"
    r"|都是|都|各|还有|以及|来了|来|干了|干|做了|上午|下午|晚上|中午|全天|整天|点工|加班|生活费"
    r"|借支|预支|借了|借|结算|结清|结了|结账|发了|发|工资|付了|付|日工资|按|算|的|了|和|跟|与|及"
    r"|给|是|也|在|工地|活|钱|块|元|谢谢|多谢|辛苦了|辛苦|你好|您好|各位|大家"
)
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
    "温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗"
    "谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓缪褚娄窦戚岑晏卞姬仇栾隋刁荣巫寇桑郎甄丛仲虞敖"
    "巩佘邝"
)


NOT_NAMES = {
    "今天",
    "昨天",
    "前天",
    "明天",
    "工人",
    "老板",
    "甲方",
    "乙方",
    "业主",
    "工地",
    "工程",
    "项目",
    "材料",
    "师傅",
    "小工",
    "大工",
    "老师",
    "同事",
    "大家",
    "他们",
    "我们",
    "自己",
    "工资",
}
