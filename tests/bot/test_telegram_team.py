"""A team from chat, end to end through the real Application and the fake Bot API: the first administrator,
invites by link and by code (single use, expiry), /members, /role and /remove with their limits, and a
non-member who gets one sentence and leaves nothing behind; then each chat's own settings (/alerts, /subscribe,
/unsubscribe, /lang)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.telegram import handlers as tg
from bot.services import Services
from storage.models import AuditLog, Chat, ConversationTurn, Invite, LaborEntry, Membership, Notification, Role, User
from tests.bot import test_telegram as base
from tests.bot.test_telegram import ADMIN_TG, FOREMAN_TG, GROUP, MANAGER_TG, STRANGER_TG, VIEWER_TG, bind, deliver
from tests.support.channel import NOW
from tests.support.factories import Factory
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, message_update

NEWCOMER_TG = 3003

# the channel tests' fixtures: the fake Bot API, services over it, the Application, project SG3 and its team
api, services, app, site = base.api, base.services, base.app, base.site


class Clock:
    """The process clock the channel and the router read; a test moves it."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
def clock(services: Services) -> Clock:
    clock = Clock()
    services.clock = clock
    services.router.clock = clock
    return clock


def _invite_code(text: str) -> str:
    marker = f"t.me/{BOT_USERNAME}?start="
    assert marker in text, text
    return text.split(marker, 1)[1].split()[0]


def _role(session: Session, telegram_id: int, project_id: int) -> Role | None:
    session.rollback()
    return session.scalar(
        select(Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(User.telegram_id == telegram_id, Membership.project_id == project_id)
    )


# -- the first administrator -------------------------------------------------------------------------


async def test_first_start_from_an_admin_id_makes_an_administrator(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/start", user_id=ADMIN_TG, first_name="Boss", language_code="en"))

    session.rollback()
    admin = session.scalar(select(User).where(User.telegram_id == ADMIN_TG))
    assert admin is not None and admin.is_admin
    [greeting] = api.sent_texts()
    assert "You are an administrator" in greeting and "/invite" in greeting
    assert "Ask a project manager" not in greeting


# -- invites -------------------------------------------------------------------------------------------


async def test_an_invite_opened_as_a_link_makes_a_member_once(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, clock: Clock
) -> None:
    await deliver(app, message_update(1, "/invite SG3 foreman", user_id=MANAGER_TG))
    invite_text = api.sent_texts(MANAGER_TG)[-1]
    code = _invite_code(invite_text)
    assert f"/join {code}" in invite_text and "工长" in invite_text

    session.rollback()
    invite = session.scalar(select(Invite).where(Invite.code == code))
    assert invite is not None and invite.role == Role.foreman and invite.used_by is None
    assert invite.expires_at == NOW + timedelta(hours=48)

    await deliver(app, message_update(2, f"/start {code}", user_id=NEWCOMER_TG, first_name="张工"))
    assert _role(session, NEWCOMER_TG, site["project"].id) == Role.foreman
    assert "欢迎加入 SG3" in api.sent_texts(NEWCOMER_TG)[-1]

    # the member can now work: a labour entry is written for them
    await deliver(app, message_update(3, "李四今天一个工", user_id=NEWCOMER_TG))
    session.rollback()
    assert session.scalar(select(func.count(LaborEntry.id))) == 1

    # the same link a second time, by someone else: refused, nobody else joins
    await deliver(app, message_update(4, f"/start {code}", user_id=NEWCOMER_TG + 1, first_name="小刘"))
    assert "已经被使用" in api.sent_texts(NEWCOMER_TG + 1)[-1]
    assert _role(session, NEWCOMER_TG + 1, site["project"].id) is None
    audit = session.scalars(select(AuditLog.tool).order_by(AuditLog.id)).all()
    assert audit[:2] == ["create_invite", "join"]


async def test_an_invite_code_joins_by_join_and_expires_after_48_hours(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, clock: Clock
) -> None:
    await deliver(app, message_update(1, "/invite viewer", user_id=MANAGER_TG, language_code="en"))
    first = _invite_code(api.sent_texts(MANAGER_TG)[-1])
    await deliver(app, message_update(2, "/invite finance", user_id=MANAGER_TG, language_code="en"))
    second = _invite_code(api.sent_texts(MANAGER_TG)[-1])

    clock.now = NOW + timedelta(hours=47, minutes=59)
    await deliver(app, message_update(3, f"/join {first.lower()}", user_id=NEWCOMER_TG, language_code="en"))
    assert _role(session, NEWCOMER_TG, site["project"].id) == Role.viewer

    clock.now = NOW + timedelta(hours=48)
    await deliver(app, message_update(4, f"/join {second}", user_id=NEWCOMER_TG + 1, language_code="en"))
    assert "expired" in api.sent_texts(NEWCOMER_TG + 1)[-1]
    assert _role(session, NEWCOMER_TG + 1, site["project"].id) is None

    await deliver(app, message_update(5, "/join NOSUCHCODE", user_id=NEWCOMER_TG + 2, language_code="en"))
    assert "not valid" in api.sent_texts(NEWCOMER_TG + 2)[-1]


@pytest.mark.parametrize(
    ("telegram_id", "words", "refusal"),
    [
        (FOREMAN_TG, "/invite SG3 viewer", "只有项目 SG3 的经理或管理员"),
        (VIEWER_TG, "/invite SG3 viewer", "只有项目 SG3 的经理或管理员"),
        (MANAGER_TG, "/invite SG3 admin", "只能授予或修改低于自己的角色"),
        (MANAGER_TG, "/invite SG3 manager", "只能授予或修改低于自己的角色"),  # a peer only from an admin
        (MANAGER_TG, "/invite BJ foreman", "“BJ”不是你能管理的项目"),  # never an invite to the chat's project instead
        (STRANGER_TG, "/invite SG3 viewer", "你还不是任何项目的成员"),
    ],
)
async def test_only_managers_and_admins_invite_and_never_above_their_own_role(
    app: Any,
    api: FakeTelegram,
    site: dict[str, Any],
    session: Session,
    telegram_id: int,
    words: str,
    refusal: str,
) -> None:
    await deliver(app, message_update(1, words, user_id=telegram_id))

    assert refusal in api.sent_texts(telegram_id)[-1]
    session.rollback()
    assert session.scalar(select(func.count(Invite.id))) == 0
    assert session.scalar(select(func.count(AuditLog.id))) == 0


async def test_an_admin_invites_an_admin(app: Any, api: FakeTelegram, site: dict[str, Any], session: Session) -> None:
    await deliver(app, message_update(1, "/invite SG3 管理员", user_id=ADMIN_TG))
    code = _invite_code(api.sent_texts(ADMIN_TG)[-1])
    await deliver(app, message_update(2, f"/join {code}", user_id=NEWCOMER_TG))
    assert _role(session, NEWCOMER_TG, site["project"].id) == Role.admin


# -- members and roles ---------------------------------------------------------------------------------


async def test_members_lists_the_project_with_roles(app: Any, api: FakeTelegram, site: dict[str, Any]) -> None:
    await deliver(app, message_update(1, "/members SG3", user_id=VIEWER_TG))
    listing = api.sent_texts(VIEWER_TG)[-1]
    assert "SG3 的成员（3）" in listing
    assert "张经理：项目经理" in listing and "老王：工长" in listing and "小赵：查看" in listing


async def test_an_admin_changes_a_role_and_removes_a_member_audited(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    project_id = site["project"].id
    await deliver(app, message_update(1, "/role 老王 manager", user_id=ADMIN_TG))
    assert _role(session, FOREMAN_TG, project_id) == Role.manager
    assert "老王 在 SG3 的角色：工长 → 项目经理" in api.sent_texts(ADMIN_TG)[-1]

    await deliver(app, message_update(2, "/remove 小赵", user_id=ADMIN_TG))
    assert _role(session, VIEWER_TG, project_id) is None
    assert "已把 小赵 移出 SG3" in api.sent_texts(ADMIN_TG)[-1]

    # the removed member is a stranger now: one sentence, nothing read
    await deliver(app, message_update(3, "SG3预算还剩多少", user_id=VIEWER_TG))
    assert "¥" not in api.sent_texts(VIEWER_TG)[-1] and "邀请" in api.sent_texts(VIEWER_TG)[-1]

    session.rollback()
    rows = session.execute(select(AuditLog.tool, AuditLog.summary).order_by(AuditLog.id)).all()
    assert [tool for tool, _ in rows] == ["set_role", "remove_member"]
    assert "foreman -> manager" in rows[0][1]


async def test_a_manager_manages_within_the_project_never_above_a_manager(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, make: Factory
) -> None:
    project = site["project"]
    make.user("周总", project=project, role=Role.admin, telegram_id=4004)
    make.user("钱经理", project=project, role=Role.manager, telegram_id=4005)
    other = make.project(code="RW", name="Riverside")
    make.user("Tom", project=other, role=Role.foreman, telegram_id=4006)

    await deliver(app, message_update(1, "/role 老王 finance", user_id=MANAGER_TG))
    assert _role(session, FOREMAN_TG, project.id) == Role.finance

    for update_id, words in enumerate(
        [
            "/role 老王 admin",
            "/role 周总 viewer",
            "/remove 周总",
            "/role 张经理 viewer",
            "/remove Tom RW",
            "/role 钱经理 viewer",  # a peer manager: only an admin
            "/role 老王 manager",
        ],
        start=2,
    ):
        await deliver(app, message_update(update_id, words, user_id=MANAGER_TG))
    answers = api.sent_texts(MANAGER_TG)[-7:]
    assert all("只能授予或修改低于自己的角色" in answers[i] for i in (0, 1, 2, 5, 6))
    assert "不能修改自己的角色" in answers[3]
    assert "没有叫“Tom RW”的成员" in answers[4]  # RW is not a project the manager can see
    assert _role(session, 4005, project.id) == Role.manager
    assert _role(session, FOREMAN_TG, project.id) == Role.finance
    assert _role(session, 4004, project.id) == Role.admin
    assert _role(session, MANAGER_TG, project.id) == Role.manager
    assert _role(session, 4006, other.id) == Role.foreman

    # a foreman may not touch roles at all
    await deliver(app, message_update(9, "/remove 小赵", user_id=4005 + 100))  # unknown account: a stranger
    await deliver(app, message_update(10, "/role 小赵 manager", user_id=VIEWER_TG))
    assert "只有项目 SG3 的经理或管理员" in api.sent_texts(VIEWER_TG)[-1]
    assert _role(session, VIEWER_TG, project.id) == Role.viewer
    session.rollback()
    assert session.scalar(select(func.count(AuditLog.id))) == 1  # the one change that was allowed


async def test_a_global_administrator_is_changed_only_in_the_settings(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, make: Factory
) -> None:
    await deliver(app, message_update(1, "/start", user_id=ADMIN_TG))
    session.rollback()
    admin = session.scalar(select(User).where(User.telegram_id == ADMIN_TG))
    assert admin is not None
    session.add(Membership(user_id=admin.id, project_id=site["project"].id, role=Role.manager))
    session.commit()
    await deliver(app, message_update(2, "/role Li viewer", user_id=MANAGER_TG))
    assert "SITEBOT_ADMIN_IDS" in api.sent_texts(MANAGER_TG)[-1]


async def test_a_non_member_gets_one_sentence_and_nothing_is_written(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    bind(session, site["project"].id)
    for update_id, words in enumerate(
        ["/members", "/role 老王 viewer", "/remove 老王", "/alerts on", "/subscribe 07:00", "/lang en"], start=1
    ):
        await deliver(app, message_update(update_id, words, user_id=STRANGER_TG, chat_id=GROUP))

    answers = api.sent_texts(GROUP)
    assert len(answers) == 6 and all(a.startswith("你还不是任何项目的成员") for a in answers)
    assert all("老王" not in a and "SG3" not in a for a in answers)
    assert _role(session, FOREMAN_TG, site["project"].id) == Role.foreman
    chat = session.scalar(select(Chat).where(Chat.telegram_chat_id == GROUP))
    assert chat is not None and chat.digest_time == "08:00" and chat.language is None
    assert session.scalar(select(func.count(AuditLog.id))) == 0
    assert session.scalar(select(func.count(ConversationTurn.id))) == 0


# -- alerts, digest and language per chat ------------------------------------------------------------


async def test_alerts_on_sends_a_managers_own_copy_privately_and_off_stops_it(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    bind(session, site["project"].id)
    await deliver(app, message_update(1, "/alerts on", user_id=MANAGER_TG))
    assert "立刻私信你" in api.sent_texts(MANAGER_TG)[-1]
    await deliver(app, message_update(2, "/alerts on", user_id=FOREMAN_TG))
    assert api.sent_texts(FOREMAN_TG)[-1].startswith("没有开启") and "经理和管理员" in api.sent_texts(FOREMAN_TG)[-1]
    # an administrator who is not a member is told plainly it is not on, and how to get it (tester 2)
    await deliver(app, message_update(20, "/alerts on SG3", user_id=ADMIN_TG))
    assert api.sent_texts(ADMIN_TG)[-1].startswith("没有开启") and "/invite SG3" in api.sent_texts(ADMIN_TG)[-1]

    # a cost that takes materials past 80% of its budget: the group and the manager hear it at once
    await deliver(app, message_update(3, "/cost 材料 170000 钢筋", user_id=MANAGER_TG, chat_id=GROUP))
    private = [t for t in api.sent_texts(MANAGER_TG) if "SG3" in t and "材料" in t]
    assert len(private) == 1
    assert not any("材料" in t for t in api.sent_texts(FOREMAN_TG))
    assert sum("80%" in t for t in api.sent_texts(GROUP)) >= 1

    await deliver(app, message_update(4, "/alerts off", user_id=MANAGER_TG))
    assert "已关闭" in api.sent_texts(MANAGER_TG)[-1]
    session.rollback()
    membership = session.scalar(
        select(Membership).where(Membership.user_id == site["manager"].id, Membership.project_id == site["project"].id)
    )
    assert membership is not None and not membership.alerts


async def test_subscribe_sets_the_digest_time_and_unsubscribe_stops_it(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    chat_id = bind(session, site["project"].id).id
    await tg.on_startup(app)  # what post_init does: the chat's digest at 08:00, and rescheduling on changes
    await deliver(app, message_update(1, "/subscribe 7:30", user_id=MANAGER_TG, chat_id=GROUP))
    assert "每天 07:30（Asia/Shanghai）" in api.sent_texts(GROUP)[-1]
    [job] = app.job_queue.get_jobs_by_name(f"digest:{chat_id}")
    assert "hour='7', minute='30'" in str(job.job.trigger)

    await deliver(app, message_update(2, "/subscribe 25:00", user_id=MANAGER_TG, chat_id=GROUP))
    assert "看不懂时间" in api.sent_texts(GROUP)[-1]
    await deliver(app, message_update(3, "/unsubscribe", user_id=FOREMAN_TG, chat_id=GROUP))
    assert "只有项目 SG3 的经理或管理员" in api.sent_texts(GROUP)[-1]
    session.rollback()
    chat = session.get(Chat, chat_id)
    assert chat is not None and chat.digest_time == "07:30" and chat.digest_enabled

    await deliver(app, message_update(4, "/unsubscribe", user_id=MANAGER_TG, chat_id=GROUP))
    session.rollback()
    chat = session.get(Chat, chat_id)
    assert chat is not None and not chat.digest_enabled

    from bot.alerts import digest

    assert digest.write_digests(app.bot_data.services, chat_ids=[chat_id]) == 0
    assert session.scalar(select(func.count(Notification.id)).where(Notification.kind == "digest")) == 0


async def test_lang_switches_the_chats_language(app: Any, api: FakeTelegram, site: dict[str, Any]) -> None:
    await deliver(app, message_update(1, "/lang en", user_id=FOREMAN_TG))
    assert api.sent_texts(FOREMAN_TG)[-1] == "OK, this chat gets English replies from now on."
    await deliver(app, message_update(2, "李四今天一个工", user_id=FOREMAN_TG))
    assert api.sent_texts(FOREMAN_TG)[-1].startswith("Logged: 李四")
    await deliver(app, message_update(3, "/lang 中文", user_id=FOREMAN_TG))
    assert api.sent_texts(FOREMAN_TG)[-1] == "好的，本对话以后用中文回复。"
    await deliver(app, message_update(4, "/lang fr", user_id=FOREMAN_TG))
    assert "/lang zh" in api.sent_texts(FOREMAN_TG)[-1]


async def test_the_command_menu_has_the_team_commands_in_chinese_and_english(app: Any, api: FakeTelegram) -> None:
    import json

    await tg.set_commands(app.bot)

    zh, en = api.calls("setMyCommands")
    assert zh.params.get("language_code") == "zh" and en.params.get("language_code") is None
    zh_menu = {c["command"]: c["description"] for c in json.loads(zh["commands"])}
    en_menu = {c["command"]: c["description"] for c in json.loads(en["commands"])}
    team = {
        "invite",
        "join",
        "members",
        "role",
        "remove",
        "alerts",
        "subscribe",
        "unsubscribe",
        "lang",
        "chart",
        "export",
    }
    assert team <= set(zh_menu) and set(zh_menu) == set(en_menu)
    assert zh_menu["invite"] == "邀请成员（经理、管理员）" and en_menu["invite"] == "Invite a member (managers, admins)"
    assert len(zh_menu) <= 100 and all(1 <= len(d) <= 256 for d in [*zh_menu.values(), *en_menu.values()])


# -- a group bound to a project ------------------------------------------------------------------------


async def test_a_group_bound_to_a_project_never_shows_or_writes_another_project(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, make: Factory
) -> None:
    """Tester (tg, first run): a manager of BJ only, in the group bound to SG3, had BJ's members, budget, wages
    and an undo of a private BJ cost posted into the group, and wrote a BJ cost from it."""
    from storage.models import CostEntry

    other = make.project(code="BJ", name="滨江路市政改造")
    make.budget(other, "materials", 100000)
    make.user("北京经理", project=other, role=Role.manager, telegram_id=4040)
    bind(session, site["project"].id)
    outsider = 4040

    await deliver(app, message_update(1, "买水泥花了4321 BJ", user_id=outsider))  # privately: his own project
    session.rollback()
    assert session.scalar(select(func.count(CostEntry.id)).where(CostEntry.project_id == other.id)) == 1
    private_replies = len(api.sent_texts())

    said = [
        "预算还剩多少 BJ",
        "本月点工汇总 BJ",
        "买钢筋花了999 BJ",
        "预算还剩多少",
        "撤回",
        "我有哪些项目",
        "/members",
        "/members BJ",
    ]
    for offset, text in enumerate(said, start=2):
        await deliver(app, message_update(offset, f"@{BOT_USERNAME} {text}", user_id=outsider, chat_id=GROUP))
    in_group = api.sent_texts()[private_replies:]
    assert len(in_group) == len(said)
    for text in in_group:
        assert "滨江路" not in text and "4321" not in text and "北京经理" not in text, text
    assert "本群是项目 SG3" in in_group[0] and "私聊" in in_group[0]
    session.rollback()
    assert session.scalar(select(func.count(CostEntry.id)).where(CostEntry.project_id == other.id)) == 1  # none more
    assert session.scalar(select(func.count(CostEntry.id)).where(CostEntry.amount == 999)) == 0

    # the project's own members are answered in the group as before
    await deliver(app, message_update(20, f"@{BOT_USERNAME} 预算还剩多少", user_id=MANAGER_TG, chat_id=GROUP))
    assert "SG3" in api.sent_texts()[-1] and "预算" in api.sent_texts()[-1]
