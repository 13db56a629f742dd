"""What one message says, found before any intent is decided: the shared regexes and the Analysis.

Analysis normalises a message (NFKC, lower case), finds the names the database knows (projects, workers, tasks),
dates and periods, labour quantities, money and percentages, and masks each as it is found so later steps do not
read it twice. The planners (labour.py, money.py, progress.py, reads.py) decide from what it found; rules.py
decides which planner a message goes to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from bot.parser import dates as dates_mod
from bot.parser.clocks import (
    CLOCK_OFF_RE,
    CLOCK_SPAN_RE,
    CLOCK_UNTIL_RE,
    COUNTED_RE,
    OT_NEAR_RE,
    Clock,
    clock_at,
    clock_text,
    minutes_of,
    quarter_hours,
    work_span,
)
from bot.parser.lexicon import Hit, Lexicon, find_categories, find_items, fold
from bot.parser.numbers import CN_NUMBER_CHARS, NUMBER, NUMBER_RE, decimal_text, number
from bot.parser.plan import Plan
from bot.parser.questions import QUESTIONS
from tools.base import Call

MAX_LENGTH = 200  # longer messages are not site notes: leave them to the model
MAX_AMOUNT = Decimal("10000000000")

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
ADVANCE_RE = _re(r"借支|预支|借了|借钱|借给|借生活费|借(?=\s*\d|\s*[零一二两三四五六七八九十百千])|advance|borrowed")
SETTLE_RE = _re(
    r"结算|结清|结了|结账|[发付结开打转](了|过)?.{0,6}(工资|工钱)"
    r"|(工资|工钱).{0,3}(已经|已)?[发付结开打转]了?(?!多少)|settle"
    r"|(paid|pay)(?![a-z]).*wages|wages paid"
)
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


_NOT_NAMES = {
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


class Asked(str):
    """A question that a short answer can complete: the slot it asks for, the values offered and the word of the
    message a chosen value replaces. A plain str question is asked all the same, with no slot."""

    slot: str | None
    choices: tuple[str, ...]
    replaces: str | None

    def __new__(
        cls, text: str, slot: str | None = None, choices: tuple[str, ...] = (), replace: str | None = None
    ) -> Asked:
        asked = super().__new__(cls, text)
        asked.slot, asked.choices, asked.replaces = slot, choices, replace
        return asked


# Financial numerals (壹天, 贰仟伍佰): written on receipts and by careful foremen. 伍 and 陆 are also surnames, so
# they are read as numerals only next to another numeral or a unit.
_CAPITAL_DIGITS = str.maketrans("壹贰叁肆柒捌玖拾佰仟", "一二三四七八九十百千")
_CAPITAL_NAME_DIGIT_RE = re.compile(
    r"[伍陆](?=[一二三四五六七八九十百千万元块天工个号日点]|$)|(?<=[一二三四五六七八九十百千])[伍陆]"
)


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), financial numerals as plain ones, ideographic space and tabs as spaces,
    trimmed."""
    plain = unicodedata.normalize("NFKC", text).translate(_CAPITAL_DIGITS)
    plain = _CAPITAL_NAME_DIGIT_RE.sub(lambda m: "五" if m[0] == "伍" else "六", plain)
    return re.sub(r"\s+", " ", plain).strip()


def _evening_only(words: str, day_end: int) -> int | None:
    """The evening reading of a clock time said without morning or evening (加班到9点), when the morning one could
    not be overtime (it is before the day ends) and the evening one is (after it, by midnight)."""
    found = re.search(r"(\d+|[一二两三四五六七八九十]+)\s*(?:[点:.时]\s*(半|\d+|[一二三四五六七八九十]+)?)?", words)
    if found is None:
        return None
    hour = number(found[1])
    minutes = 30 if found[2] == "半" else number(found[2]) if found[2] else Decimal(0)
    if hour is None or minutes is None or hour != int(hour) or not 1 <= hour < 12 or not 0 <= minutes < 60:
        return None
    morning, evening = int(hour) * 60 + int(minutes), (int(hour) + 12) * 60 + int(minutes)
    return evening if morning <= day_end < evening <= 24 * 60 else None


@dataclass
class Worker:
    name: str
    begin: int
    end: int


@dataclass
class Quantity:
    kind: str  # days | hours | overtime
    value: Decimal
    begin: int
    end: int
    said: str | None = None  # how the figure was worked out (a clock time): the write is proposed with it


@dataclass
class Analysis:
    """Everything found in one message; masks what it finds so later steps do not read it twice."""

    raw: str  # normalised, case kept
    lexicon: Lexicon
    today: date
    chat_project: str | None
    language: str
    low: str = ""
    work: list[str] = field(default_factory=list)  # low, with found spans blanked
    rate: Decimal | None = None  # a daily rate the message names for its labour entries
    labour: bool = False  # every clause of it that says what it does says labour (clauses.py): 张三 1 is days
    money: bool = False  # a payment (/settle 张三 1): a bare number after a name is money, never days

    def __post_init__(self) -> None:
        self.low = fold(self.raw)
        self.work = list(self.low)
        self.projects = self.lexicon.find_projects(self.low)
        for hit in self.projects:
            self.mask(hit.begin, hit.end)
        # A date overlapping a worker's name is no date (李四月初: no 四月), unless it is the whole name.
        names = [(h.begin, h.end) for h in self.lexicon.find_workers(self.text)]
        self.spans = [
            s
            for s in dates_mod.find(self.text, self.today)
            if (s.begin, s.stop) in names or not any(s.begin < end and begin < s.stop for begin, end in names)
        ]
        for span in self.spans:
            self.mask(span.begin, span.stop)
        self.worker_hits = self.lexicon.find_workers(self.text)
        for hit in self.worker_hits:
            self.mask(hit.begin, hit.end, "|")
        self.negative = self._negative()

    @property
    def text(self) -> str:
        return "".join(self.work)

    @cached_property
    def party_hits(self) -> list[Hit]:
        """The project's counterparties named (宏达, 中建商砼, Holcim), outside workers' and projects' names."""
        return self.lexicon.find_parties(self.text, self.project)

    def party(self, *kinds: str) -> str | None:
        """The one counterparty of those kinds the message names (its stored name), or None (none, or several)."""
        names = {
            h.value for h in self.party_hits if not kinds or self.lexicon.party_kind(self.project, h.value) in kinds
        }
        return names.pop() if len(names) == 1 else None

    @cached_property
    def names_masked(self) -> str:
        """low with the workers' and projects' names blanked: 李四两个工 is no range 四两."""
        chars = list(self.low)
        for hit in (*self.worker_hits, *self.projects):
            chars[hit.begin : hit.end] = "|" * (hit.end - hit.begin)
        return "".join(chars)

    def mask(self, begin: int, end: int, fill: str = " ") -> None:
        for i in range(begin, end):
            self.work[i] = fill

    def t(self, key: str, **params: Any) -> str:
        return QUESTIONS[key].render(self.language, **params)

    def asked(
        self, key: str, *, slot: str, choices: tuple[str, ...] = (), replace: str | None = None, **params: Any
    ) -> Asked:
        """A question whose short answer completes the message (see Asked)."""
        return Asked(self.t(key, **params), slot, choices, replace)

    # -- signs -----------------------------------------------------------------------------------

    def _negative(self) -> str | None:
        """A figure written with a minus sign (-5000, −1, 负300), as typed: never read as positive. Dates and
        names are masked first (2026-11-24 is no minus); a range (3-5) has a digit before its dash."""
        m = NEGATIVE_RE.search(self.text)
        if m is None:
            return None
        figure = NUMBER_RE.match(self.text, m.end())
        return self.raw[m.start() : figure.end() if figure else m.end()].strip()

    # -- clock times -----------------------------------------------------------------------------

    @cached_property
    def clocks(self) -> list[Clock]:
        """Clock times said of work (加班到9点, 干到晚上十点, 7点到12点, overtime until 9pm), found and masked."""
        found: list[Clock] = []
        text = self.text
        for m in CLOCK_SPAN_RE.finditer(text):
            first, last = clock_at(m, "a"), clock_at(m, "b")
            if first is None or last is None:
                continue
            start, stop = work_span(first, last)
            overtime = bool(
                OT_NEAR_RE.search(text, max(0, m.start() - 4), m.start()) or OT_AFTER_RE.match(text, m.end())
            )
            words = self.raw[m.start() : m.end()].strip()
            found.append(Clock(m.start(), m.end(), start, stop, overtime, words, span=True))
            self.mask(m.start(), m.end())
        text = self.text
        for m in (*CLOCK_UNTIL_RE.finditer(text), *CLOCK_OFF_RE.finditer(text)):
            if any(c.begin < m.end() and m.start() < c.end for c in found):
                continue
            until = clock_at(m, "a")
            if until is None:
                continue
            words = self.raw[m.start() : m.end()].strip()
            overtime = bool(m.groupdict().get("ot"))
            found.append(Clock(m.start(), m.end(), None, until[0] if until[1] else None, overtime, words))
            self.mask(m.start(), m.end())
        return sorted(found, key=lambda c: c.begin)

    @cached_property
    def clock_question(self) -> str | None:
        """What to ask about a clock time that cannot be read surely (到9点: morning or evening?)."""
        _ = self.quantities
        return self._clock_doubt

    # -- project, dates --------------------------------------------------------------------------

    @cached_property
    def project_codes(self) -> list[str]:
        return list(dict.fromkeys(hit.value for hit in self.projects))

    @property
    def project(self) -> str | None:
        return self.project_codes[0] if self.project_codes else self.chat_project

    def with_project(self, **args: Any) -> dict[str, Any]:
        return {"project": self.project, **args} if self.project else dict(args)

    @cached_property
    def days_found(self) -> list[dates_mod.Span]:
        return [s for s in self.spans if not s.is_period]

    @cached_property
    def period(self) -> tuple[date, date] | None:
        """The one period (or single day) a read is about."""
        found = {(s.start, s.end) for s in self.spans}
        return found.pop() if len(found) == 1 else None

    def entry_date(self, *, described: bool = False) -> date | str:
        """The one date a write is for (today when none is given), or the question to ask.

        With described=True (payments, money, costs) a period describing what is paid (上个月的工资, 塔吊租金本月,
        for last month) is not the date of the payment. A date after today is a plan, not a record (李四明天来一天):
        asked about, never written.
        """
        if any(s.is_period and not (described and self._describes(s)) for s in self.spans):
            return self.t("which_date")
        found = {s.start for s in self.days_found}
        if len(found) > 1:
            return self.t("which_date")
        for span in self.days_found:  # 30号 on the 25th: last month's, or the coming one (a plan)?
            if span.ahead is not None:
                return self.t("past_or_ahead", past=span.start.isoformat(), ahead=span.ahead.isoformat())
        day = found.pop() if found else self.today
        if day > self.today:
            return self.t("future", day=day.isoformat())
        return day

    def _describes(self, span: dates_mod.Span) -> bool:
        return bool(DESCRIBED_RE.match(self.low, span.stop) or DESCRIBED_BEFORE_RE.search(self.low, 0, span.begin))

    # -- workers ---------------------------------------------------------------------------------

    @cached_property
    def quantities(self) -> list[Quantity]:
        """Day rate, clock times, overtime, hours and days, found and masked in that order."""
        clocks = self.clocks
        text = self.text
        found: list[Quantity] = []
        for m in RATE_RE.finditer(text):
            self.rate = Decimal(m["a"] or m["b"])
            self.mask(m.start(), m.end())
        text = self.text
        for m in HOURS_RE.finditer(text):
            value = _count(m["n"], bool(m["h1"]), bool(m["half"]))
            if value is None:
                continue
            before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 12]
            kind = "overtime" if OT_BEFORE_RE.search(before) or OT_AFTER_RE.search(after) else "hours"
            found.append(Quantity(kind, value, m.start(), m.end()))
            self.mask(m.start(), m.end())
        text = self.text
        for m in OT_BARE_RE.finditer(text):
            value = _count(m["n"], False, False)
            if value is not None:
                found.append(Quantity("overtime", value, m.start(), m.end()))
                self.mask(m.start(), m.end())
        text = self.text
        for m in DAYS_RE.finditer(text):
            if m["full"]:
                value = Decimal(1)
            elif m["half"] or m["enhalf"] or m["shanghalf"]:
                value = Decimal("0.5")
            elif m["shang"]:
                shang = _count(m["shang"], False, False)
                value = shang / 2 if shang is not None else None
            else:
                value = _count(m["n"], bool(m["h1"] or m["h2"]), False)
            if value is None:
                continue
            found.append(Quantity("days", value, m.start(), m.end()))
            self.mask(m.start(), m.end())
        if FIX_RE.search(self.low):  # 改为0.5, 应该是1: in a correction, the bare figure of the new entry is days
            for m in FIX_BARE_RE.finditer(self.text):
                value = Decimal("0.5") if m["n"] in ("半", "half") else number(m["n"])
                if value is not None and 0 < value <= MAX_BARE_DAYS:
                    found.append(Quantity("days", value, m.start("n"), m.end("n")))
                    self.mask(m.start("n"), m.end("n"))
        # 点工 张三1 李四0.5, a message of nothing but one name and a number (张三1), or a roster whose other lines
        # give days (王五 1 / 赵六 半天) with no word of money: a bare number after a name is that one's 工日
        # (王五1 赵六1 with no word of labour may be anything: asked)
        roster = any(q.kind in ("days", "hours") for q in found) and not MONEY_WORD_RE.search(self.low)
        bare_days = (
            self.labour or roster or LABOR_CONTEXT_RE.search(self.low) or NAME_AND_NUMBER_RE.fullmatch(self.text)
        )
        if bare_days and not self.money:
            text = self.text
            for hit in self.worker_hits:
                bare = BARE_DAYS_RE.match(text, hit.end)
                if bare is None:
                    continue
                value = Decimal("0.5") if bare["n"] == "半" else number(bare["n"])
                if value is not None and 0 < value <= MAX_BARE_DAYS:
                    found.append(Quantity("days", value, bare.start("n"), bare.end("n")))
                    self.mask(bare.start("n"), bare.end("n"))
            for each in EACH_DAYS_RE.finditer(self.text):  # 点工各1个, 一人一个: one share for every name before
                value = Decimal("0.5") if each["n"] == "半" else number(each["n"])
                if value is not None and 0 < value <= MAX_BARE_DAYS:
                    found.append(Quantity("days", value, each.start(), each.end()))
                    self.mask(each.start(), each.end())
        found += self._from_clocks(clocks, found)
        return sorted(found, key=lambda q: q.begin)

    _clock_doubt: str | None = None

    def _from_clocks(self, clocks: list[Clock], found: list[Quantity]) -> list[Quantity]:
        """What clock times say: the hours of a span; the overtime after the project's day end of a time worked
        until (a day of work too when none is given). A figure counted after it (干到十点 算一天半) is what was
        meant, and the time only says why."""
        out: list[Quantity] = []
        day_end = minutes_of(self.lexicon.day_end(self.project))
        shown_end = clock_text(day_end)
        for clock in clocks:
            if clock.stop is None and clock.overtime and not clock.span:
                evening = _evening_only(clock.words, day_end)
                if evening is not None:  # 加班到9点 with the day ending at 18:00: only 21:00 is overtime
                    clock = replace(clock, stop=evening)
            if clock.stop is None:
                hour = re.search(r"\d+|[一二两三四五六七八九十]+", clock.words)
                hour_value = number(hour[0]) if hour else None
                late = int(hour_value) + 12 if hour_value is not None else 21
                self._clock_doubt = self.t(
                    "clock_span_which" if clock.span else "clock_which",
                    clock=clock.words,
                    hour=hour[0] if hour else "9",
                    late=late,
                )
                continue
            if clock.span and clock.start is not None:
                hours = quarter_hours(clock.stop - clock.start)
                if hours is None or hours <= 0:
                    self._clock_doubt = self.t("clock_span_which", clock=clock.words)
                    continue
                key = "span_overtime" if clock.overtime else "span_hours"
                said = self.t(key, start=clock_text(clock.start), end=clock_text(clock.stop), hours=decimal_text(hours))
                kind = "overtime" if clock.overtime else "hours"
                earlier = next((q for q in out if q.kind == kind and q.said and q.end <= clock.begin), None)
                if earlier is not None:  # 7点到12点 下午1点到5点: one day's spans add up
                    earlier.value += hours
                    earlier.said = f"{earlier.said}{'，' if self.language == 'zh' else ', '}{said}"
                    earlier.end = clock.end
                    continue
                out.append(Quantity(kind, hours, clock.begin, clock.end, said))
                continue
            counted = [q for q in found if q.kind in ("days", "hours") and COUNTED_RE.search(self.low, 0, q.begin)]
            if counted and not clock.overtime:
                continue  # 干到晚上十点 算一天半: the figure counted is the one meant
            hours = quarter_hours(clock.stop - day_end)
            if hours is None or hours <= 0:
                question = "clock_minutes" if hours is None else "clock_before_end"
                self._clock_doubt = self.t(question, clock=clock.words, day_end=shown_end)
                continue
            params = {"end": clock_text(clock.stop), "day_end": shown_end, "hours": decimal_text(hours)}
            if clock.overtime:
                out.append(Quantity("overtime", hours, clock.begin, clock.end, self.t("overtime_until", **params)))
            elif any(q.kind in ("days", "hours") for q in found):
                out.append(Quantity("overtime", hours, clock.begin, clock.end, self.t("worked_until_more", **params)))
            else:
                said = self.t("worked_until", **params)
                out.append(Quantity("days", Decimal(1), clock.begin, clock.begin, said))
                out.append(Quantity("overtime", hours, clock.begin, clock.end, said))
        return out

    @cached_property
    def workers(self) -> tuple[list[Worker], str | None]:
        """Known workers in message order, and the question to ask if any name is unknown or doubtful."""
        found = [Worker(h.value, h.begin, h.end) for h in self.worker_hits]
        _ = self.quantities, self.amounts  # mask numbers before looking for leftover names
        leftover = FILLER_RE.sub(lambda m: " " * len(m[0]), self.text)
        for hit in (*find_items(leftover), *find_categories(leftover)):  # 水泥, 材料: known words, not names
            if hit.end - hit.begin > 1:
                leftover = leftover[: hit.begin] + " " * (hit.end - hit.begin) + leftover[hit.end :]
        for m in re.finditer(r"[a-z]{4,}", leftover):  # a name typed in pinyin: zhangsan
            named = self.lexicon.pinyin_worker(m[0])
            if named is not None:
                found.append(Worker(named, m.start(), m.end()))
        for m in re.finditer(r"[\u4e00-\u9fff]+", leftover):
            chunk = m[0]
            before = self.text[m.start() - 1] if m.start() else ""  # names found are masked: 张三李山 stays a name
            if not _name_like(chunk) or (before and (before.isdigit() or before in CN_NUMBER_CHARS)):  # 20包水泥
                continue
            sure, near = self.lexicon.resolve_worker(chunk)
            typed = self.raw[m.start() : m.end()]  # a chosen name replaces the one typed ("是" takes the only one)
            if len(sure) == 1:  # only a homophone (赵柳 for 赵六): a different name, so ask, never take it
                return found, self.asked(
                    "unknown_near", slot="worker", choices=(sure[0],), replace=typed, name=chunk, near=sure[0]
                )
            elif sure:
                options = tuple(sure)
                return found, self.asked(
                    "ambiguous_worker",
                    slot="worker",
                    choices=options,
                    replace=typed,
                    name=chunk,
                    options="、".join(sure),
                )
            elif near:
                options = tuple(near[:2])
                return found, self.asked(
                    "unknown_near", slot="worker", choices=options, replace=typed, name=chunk, near="、".join(options)
                )
            else:
                return found, self.t("unknown", name=chunk)
        found.sort(key=lambda w: w.begin)
        unique: list[Worker] = []
        for worker in found:
            if all(w.name != worker.name for w in unique):
                unique.append(worker)
        return unique, None

    # -- money -----------------------------------------------------------------------------------

    @cached_property
    def amounts(self) -> list[tuple[Decimal, bool, int, int]]:
        """Money amounts (value, marked as money, begin, end); quantities and percentages are not money."""
        _ = self.quantities
        text = self.text
        for m in PERCENT_RE.finditer(text):
            if m["num"] or m["cn"]:
                self.mask(m.start(), m.end())
        if self.bare_progress is not None:
            self.mask(self.bare_progress[1], self.bare_progress[2])
        text = self.text
        out: list[tuple[Decimal, bool, int, int]] = []
        for m in NUMBER_RE.finditer(text):
            token = m[0]
            after, before = text[m.end() : m.end() + 6], text[max(0, m.start() - 4) : m.start()]
            if NOT_MONEY_AFTER_RE.match(after) or before.endswith("百分之") or before.rstrip().endswith("第"):
                continue
            marked = bool(MONEY_AFTER_RE.match(after) or MONEY_BEFORE_RE.search(before))
            if token[0] in CN_NUMBER_CHARS and not marked and not any(c in token for c in "十百千万亿"):
                continue  # 一下, 一起: a lone Chinese digit is not an amount
            if token[0] in CN_NUMBER_CHARS and token in {"万", "千", "百", "十", "亿"}:
                continue
            value = number(token)
            if value is None or value <= 0 or value > MAX_AMOUNT:
                continue
            out.append((value, marked, m.start(), m.end()))
            self.mask(m.start(), m.end())
        return out

    def amount(self, *, strict: bool = False) -> Decimal | str | None:
        """The one amount in the message; None if there is none; a question if there are several (strict: even
        when only one is marked as money: 借支300，赵六借支2000元 has two)."""
        found = self.amounts
        if not found:
            return None
        marked = [a for a in found if a[1]]
        pool = marked if marked and not strict else found
        values = {a[0] for a in pool}
        if len(values) > 1:
            return self.t("which_amount")
        return values.pop()

    # -- categories ------------------------------------------------------------------------------

    @cached_property
    def categories(self) -> tuple[list[Hit], list[Hit], list[Hit]]:
        text = self.text
        return find_categories(text), find_items(text), self.lexicon.find_lines(text, self.project)

    def category(self) -> tuple[str | None, str | None, bool]:
        """The category named (or implied by an item word), the item word as typed, and whether it is clear."""
        words, items, own = self.categories
        note = re.sub(r"\s+", " ", self.low[items[0].begin : items[0].end]) if items else None  # the item word
        if own:
            keys = {h.value for h in own}
            return (keys.pop(), note, True) if len(keys) == 1 else (None, note, False)
        for hits in (words, items):
            keys = {h.value for h in hits}
            if len(keys) == 1:
                return keys.pop(), note, True
            if len(keys) > 1:
                return None, note, False
        return None, note, True

    # -- percent ---------------------------------------------------------------------------------

    @cached_property
    def percent(self) -> Decimal | None:
        for m in PERCENT_RE.finditer(self.low):
            value = percent_value(m)
            if value is not None:
                return value
        bare = self.bare_progress
        if bare is not None:
            return bare[0]
        if DONE_RE.search(self.low) and not re.search(r"\d", self.text):  # digits of dates are masked
            return Decimal(100)
        return None

    @cached_property
    def bare_progress(self) -> tuple[Decimal, int, int] | None:
        """A task's progress as a bare number ending a clause (管网铺设完成80, 砌体到60了): percent, where it is.

        Only with a task named, no word of money and a figure of at most 100.
        """
        if MONEY_WORD_RE.search(self.low) or not self.lexicon.find_tasks(self.low, self.project):
            return None
        m = PROGRESS_BARE_RE.search(self.low)
        if m is None:
            return None
        value = Decimal(m["n"])
        return (value, m.start("n"), m.end("n")) if value <= 100 else None


def percent_value(m: re.Match[str]) -> Decimal | None:
    """The figure of a PERCENT_RE match, if it is one from 0 to 100."""
    if m["num"]:
        value: Decimal | None = Decimal(m["num"])
    elif m["cn"]:
        value = number(m["cn"])
    elif m["cheng"]:
        digit = number(m["cheng"])
        value = digit * 10 if digit is not None else None
    else:
        value = Decimal(50)
    return value if value is not None and 0 <= value <= 100 else None


def _count(n: str | None, plus_half: bool, only_half: bool) -> Decimal | None:
    if only_half:
        return Decimal("0.5")
    if n is None:
        return None
    value = number(n)
    if value is None or value <= 0:
        return None
    return value + (Decimal("0.5") if plus_half else 0)


def _name_like(chunk: str) -> bool:
    """A leftover chunk that looks like a person's name (张山, 老王, 赵柳): worth checking, never ignoring."""
    if not 2 <= len(chunk) <= 3 or chunk in _NOT_NAMES:
        return False
    if chunk[0] in SURNAMES:
        return True
    return chunk[0] in "老小阿" and len(chunk) == 2 and chunk[1] in SURNAMES


# -- building plans ---------------------------------------------------------------------------------


def ask(question: str | None) -> Plan:
    """No calls, and the question; a question that a short answer completes keeps its slot and choices."""
    if isinstance(question, Asked):
        return Plan(
            calls=[],
            source="rules",
            question=str(question),
            slot=question.slot,
            choices=list(question.choices),
            replace=question.replaces,
        )
    return Plan(calls=[], source="rules", confident=False, question=question)


def one(tool: str, args: dict[str, Any], source: str = "rules") -> Plan:
    return Plan(calls=[Call(tool, args)], source=source, confident=True)  # type: ignore[arg-type]


def explicit_percents(an: Analysis) -> list[re.Match[str]]:
    """Percentages written as figures (60%, 百分之六十, 八成), not 一半 or a word for finished."""
    return [m for m in PERCENT_RE.finditer(an.low) if m["num"] or m["cn"] or m["cheng"]]


def named_twice(an: Analysis) -> bool:
    """A worker named twice (王五和赵六各一天 王五加班2小时): whose part of the text is whose is not clear."""
    names = [h.value for h in an.worker_hits]
    return len(names) != len(set(names))
