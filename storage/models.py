"""The database: every entity of the design, as typed SQLAlchemy 2 models.

Money and quantities are Fixed (integer) columns; datetimes are UTC; calendar dates are plain dates
in the project's own timezone.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import Fixed, Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.StrEnum):
    admin = "admin"
    manager = "manager"
    foreman = "foreman"
    finance = "finance"
    viewer = "viewer"


class OvertimeMode(enum.StrEnum):
    folded = "folded"  # overtime hours ÷ hours per overtime 工 × daily rate
    hourly = "hourly"  # overtime hours × the project's hourly overtime rate


class PaymentKind(enum.StrEnum):
    advance = "advance"  # 借支
    settlement = "settlement"  # 结算


class Direction(enum.StrEnum):
    inflow = "in"
    outflow = "out"


class BudgetPolicy(enum.StrEnum):
    warn = "warn"
    stop = "stop"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=20)


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    currency: Mapped[str] = mapped_column(String(8), default="CNY")
    start: Mapped[date | None] = mapped_column(Date)
    finish: Mapped[date | None] = mapped_column(Date)
    hours_per_day: Mapped[Decimal] = mapped_column(Fixed(2), default=Decimal(8))
    overtime_mode: Mapped[OvertimeMode] = mapped_column(
        _enum(OvertimeMode, "overtime_mode"), default=OvertimeMode.folded
    )
    # Hours of overtime that make one overtime 工 (folded mode); often equal to hours_per_day.
    overtime_hours_per_day: Mapped[Decimal | None] = mapped_column(Fixed(2))
    overtime_rate: Mapped[Decimal | None] = mapped_column(Money())  # yuan per hour (hourly mode)
    budget_thresholds: Mapped[list[int]] = mapped_column(JSON, default=lambda: [80, 100])
    cash_floor: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    day_end: Mapped[str] = mapped_column(String(5), default="18:00")  # when the working day ends (加班到9点)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    budget_lines: Mapped[list[BudgetLine]] = relationship(back_populates="project", order_by="BudgetLine.id")
    tasks: Mapped[list[Task]] = relationship(
        back_populates="project", order_by="Task.id", foreign_keys="Task.project_id"
    )


class BudgetLine(Base):
    __tablename__ = "budget_line"
    __table_args__ = (UniqueConstraint("project_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    # labor|materials|machinery|subcontract|overhead, or a project's own line key.
    category: Mapped[str] = mapped_column(String(40))
    label: Mapped[str | None] = mapped_column(String(100))  # the project's own name for a custom line
    amount: Mapped[Decimal] = mapped_column(Money())
    policy: Mapped[BudgetPolicy] = mapped_column(_enum(BudgetPolicy, "budget_policy"), default=BudgetPolicy.warn)

    project: Mapped[Project] = relationship(back_populates="budget_lines")


class CostEntry(Base):
    __tablename__ = "cost_entry"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_cost_entry_project_category_date", "project_id", "category", "entry_date", "amount"),
        Index("ix_cost_entry_project_date", "project_id", "entry_date", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money())
    entry_date: Mapped[date] = mapped_column(Date)
    vendor: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparty.id", ondelete="SET NULL"), index=True)
    quantity: Mapped[Decimal | None] = mapped_column(Fixed(4))  # 2 (吨) when priced by the unit
    unit: Mapped[str | None] = mapped_column(String(10))
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Worker(Base):
    """A person (or a crew, 班组, paid as one). Names are not unique: two 张三 are told apart by the projects they
    work on, and by the tail of a phone or ID-card number."""

    __tablename__ = "worker"
    __table_args__ = (Index("ix_worker_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    trade: Mapped[str | None] = mapped_column(String(50))
    daily_rate: Mapped[Decimal] = mapped_column(Money())  # the default when no project rate is set
    phone: Mapped[str | None] = mapped_column(String(40))
    id_tail: Mapped[str | None] = mapped_column(String(8))  # last digits of a phone or ID card, to tell two apart
    is_crew: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rates: Mapped[list[RateHistory]] = relationship(back_populates="worker", order_by="RateHistory.valid_from")


class ProjectWorker(Base):
    """A worker on a project's books: only these are found by name there, and seen by its members."""

    __tablename__ = "project_worker"
    __table_args__ = (UniqueConstraint("project_id", "worker_id"), Index("ix_project_worker_worker", "worker_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"))
    trade: Mapped[str | None] = mapped_column(String(50))  # on this project, when it differs
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectRate(Base):
    """A worker's daily rate on one project from a date (the project's own rate overrides the worker's)."""

    __tablename__ = "project_rate"
    __table_args__ = (UniqueConstraint("project_id", "worker_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"))
    daily_rate: Mapped[Decimal] = mapped_column(Money())
    valid_from: Mapped[date] = mapped_column(Date)


class Counterparty(Base):
    """A supplier, subcontractor or the owner of one project: costs are booked to it, payments made to it, and
    what is owed to it is the difference."""

    __tablename__ = "counterparty"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(20), default="supplier")  # supplier|subcontractor|owner|other
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RateHistory(Base):
    __tablename__ = "rate_history"
    __table_args__ = (UniqueConstraint("worker_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"))
    daily_rate: Mapped[Decimal] = mapped_column(Money())
    valid_from: Mapped[date] = mapped_column(Date)

    worker: Mapped[Worker] = relationship(back_populates="rates")


class LaborEntry(Base):
    __tablename__ = "labor_entry"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        # One day-labour entry per worker, project and date: the database backs log_labor's duplicate check
        # when two processes log the same message at once. Piece work (包工) may have several a day.
        Index(
            "uq_labor_entry_once_a_day",
            "project_id",
            "worker_id",
            "work_date",
            unique=True,
            sqlite_where=text("kind = 'day'"),
            postgresql_where=text("kind = 'day'"),
        ),
        Index("ix_labor_entry_project_date", "project_id", "work_date", "amount"),
        Index("ix_labor_entry_worker", "worker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="RESTRICT"))
    work_date: Mapped[date] = mapped_column(Date)
    # 'day' (点工), 'piece' (包工: quantity × unit_price), 'opening' (未结 carried over when a project is imported).
    kind: Mapped[str] = mapped_column(String(10), default="day")
    days: Mapped[Decimal] = mapped_column(Fixed(4), default=Decimal(0))  # 工日, overtime excluded
    overtime_hours: Mapped[Decimal] = mapped_column(Fixed(2), default=Decimal(0))
    daily_rate: Mapped[Decimal] = mapped_column(Money())
    overtime_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    quantity: Mapped[Decimal | None] = mapped_column(Fixed(4))
    unit: Mapped[str | None] = mapped_column(String(10))  # 平, 米, 方 (piece work)
    item: Mapped[str | None] = mapped_column(String(50))  # 贴砖, 砌墙 (piece work)
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())  # wages for this entry, overtime included
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    worker: Mapped[Worker] = relationship()


class WorkerPayment(Base):
    __tablename__ = "worker_payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_worker_payment_project_worker_date", "project_id", "worker_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="RESTRICT"))
    kind: Mapped[PaymentKind] = mapped_column(_enum(PaymentKind, "payment_kind"))
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    planned_start: Mapped[date] = mapped_column(Date)
    planned_finish: Mapped[date] = mapped_column(Date)
    planned_cost: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    percent: Mapped[Decimal] = mapped_column(Fixed(2), default=Decimal(0))
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_finish: Mapped[date | None] = mapped_column(Date)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    budget_category: Mapped[str | None] = mapped_column(String(40))  # the budget line its cost belongs to

    project: Mapped[Project] = relationship(back_populates="tasks", foreign_keys=[project_id])
    predecessor: Mapped[Task | None] = relationship(remote_side=[id])


class ProgressUpdate(Base):
    __tablename__ = "progress_update"
    __table_args__ = (Index("ix_progress_update_task_date", "task_id", "reported_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    reported_on: Mapped[date] = mapped_column(Date)
    percent: Mapped[Decimal] = mapped_column(Fixed(2))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FundTxn(Base):
    __tablename__ = "fund_txn"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_fund_txn_project_date", "project_id", "txn_date", "direction", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "direction"))
    amount: Mapped[Decimal] = mapped_column(Money())
    txn_date: Mapped[date] = mapped_column(Date)
    counterparty: Mapped[str | None] = mapped_column(String(200))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparty.id", ondelete="SET NULL"), index=True)
    # The cost this payment paid on the spot (买钢筋花了8000: one cost, one payment, one undo).
    cost_entry_id: Mapped[int | None] = mapped_column(ForeignKey("cost_entry.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="transfer")  # transfer|opening (balance carried over)
    note: Mapped[str | None] = mapped_column(Text)
    # A planned (future) payment counts toward upcoming needs, not the balance.
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


LOCAL_ADMIN = "admin"  # the local administrator: the operator at the terminal, a local user with this name


class User(Base):
    """A person who talks to the assistant.

    Identity is the Telegram id for Telegram users and the name for local (terminal, imported) users, which have
    no Telegram id; a Telegram display name is only a label and never matched.
    """

    __tablename__ = "app_user"
    __table_args__ = (
        Index(
            "uq_app_user_local_name",
            "name",
            unique=True,
            sqlite_where=text("telegram_id IS NULL"),
            postgresql_where=text("telegram_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    alerts: Mapped[bool] = mapped_column(Boolean, default=False)  # a manager's own copy of immediate alerts

    user: Mapped[User] = relationship(back_populates="memberships")
    project: Mapped[Project] = relationship()


class Chat(Base):
    __tablename__ = "chat"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")  # HH:MM, chat's timezone
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    language: Mapped[str | None] = mapped_column(String(8))
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the bot was blocked or removed (403)
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Notification(Base):
    """Outbox: a message to send, written in the same transaction as its cause."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_status", "status", "id"),
        Index("ix_notification_update", "update_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    update_id: Mapped[int | None] = mapped_column(BigInteger)  # the update this answers
    reply_to: Mapped[int | None] = mapped_column(BigInteger)  # the message it quotes
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # not before (retry backoff)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a sender took it (lease)
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # which process (a dead one's claim is taken over)
    last_error: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # what Telegram gave the sent message

    files: Mapped[list[OutboxFile]] = relationship(
        order_by="OutboxFile.position", cascade="all, delete-orphan", passive_deletes=True
    )


class OutboxFile(Base):
    """A file sent with an outbox message (a chart, an export)."""

    __tablename__ = "outbox_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class InboxUpdate(Base):
    """Every Telegram update, stored before Telegram is told it arrived; done in the transaction of its writes.

    pending → done (handled: its writes and its reply committed together) | failed (gave up after attempts).
    A process handling an update holds a lease (lease_owner, lease_until) so a second process waits; a lease
    that ran out (the process died) is taken over, and the update is handled again from the start.
    """

    __tablename__ = "inbox_update"
    __table_args__ = (Index("ix_inbox_update_pending", "status", "chat_id", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # Telegram chat id: updates of a chat go in order
    kind: Mapped[str] = mapped_column(String(20), default="message")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PendingAction(Base):
    """What the assistant is waiting for from one user in one chat: an answer to its question, or a yes to a
    proposed write. At most one is open per chat and user; it is executed at most once."""

    __tablename__ = "pending_action"
    __table_args__ = (Index("ix_pending_action_open", "chat_key", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # opaque id for buttons, never content
    chat_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # proposal|question
    # open → done | cancelled | dropped (another message came) | expired | superseded (a newer one)
    status: Mapped[str] = mapped_column(String(12), default="open")
    calls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)  # what the user was shown
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # slot, choices, source text, roles
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the Telegram message showing it (buttons)


class AuditLog(Base):
    """One row per write (a tool call), with every row it changed, so it can be undone."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_user", "user_id", "id"),
        Index("ix_audit_log_project_user", "project_id", "user_id", "id"),
        Index("ix_audit_log_message", "message_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    tool: Mapped[str] = mapped_column(String(40))
    # [{"table": ..., "id": ..., "before": {...} | None, "after": {...} | None}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    source_text: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(36), index=True)  # one incoming message
    undo_of: Mapped[int | None] = mapped_column(ForeignKey("audit_log.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    chat_key: Mapped[str | None] = mapped_column(String(64))  # where the message was written
    message_ref: Mapped[str | None] = mapped_column(String(64))  # "<chat key>:<message id>": an edit finds it
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class ConversationTurn(Base):
    """The LLM's short memory: the last turns of one user in one chat (never another user's words)."""

    __tablename__ = "conversation_turn"
    __table_args__ = (Index("ix_conversation_turn_chat_user", "chat_key", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64))  # "tg:<chat id>" or "term:<user>"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # user|assistant
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BudgetAlert(Base):
    """A threshold crossing already announced: one alert per crossing, not one per entry."""

    __tablename__ = "budget_alert"
    __table_args__ = (UniqueConstraint("project_id", "category", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[int] = mapped_column(Integer)
    crossed_on: Mapped[date] = mapped_column(Date)


class Invite(Base):
    """A single-use invitation to a project with a role: opened as a t.me deep link or sent as /join CODE."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertState(Base):
    """A condition the project is in (a budget line past a threshold, a forecast overrun, a late task, low cash):
    announced once when it starts, again only after it ended and started again (crossing counts them)."""

    __tablename__ = "alert_state"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))  # "budget:materials:80", "forecast", "late:<task id>", "cash"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    crossing: Mapped[int] = mapped_column(Integer, default=1)  # how many times it started
    since: Mapped[date] = mapped_column(Date)
    digested: Mapped[int] = mapped_column(Integer, default=0)  # the crossing the morning digest last reported
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LlmUsage(Base):
    """Model tokens used by a user on a day (the daily cap is shared by every process)."""

    __tablename__ = "llm_usage"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)  # told once that the cap was reached


class ChangeMarker(Base):
    """A counter bumped in the transaction of any change to names (workers, projects, tasks, budget lines,
    counterparties, who is on which project's books; storage.names does it at commit, for every session): every
    process rebuilds its cached lexicon and name index when the counter moved, with one primary-key read."""

    __tablename__ = "change_marker"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class NameKey(Base):
    """One name of a worker or a project (its name, each alias, a project's code, a worker's name with the tail of
    a number), normalised and spelled in pinyin, so a typed name is found by an index, not by reading every row.
    Kept by storage.names whenever a worker or project is flushed; ref_id is the worker's or project's id."""

    __tablename__ = "name_key"
    __table_args__ = (
        Index("ix_name_key_norm", "kind", "norm"),
        Index("ix_name_key_pinyin", "kind", "pinyin"),
        Index("ix_name_key_initials", "kind", "initials"),
        Index("ix_name_key_ref", "kind", "ref_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # worker|project
    ref_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # 0: the name shown (a project's code), then the others
    name: Mapped[str] = mapped_column(Text)  # as stored
    norm: Mapped[str] = mapped_column(Text)  # without spaces, case-folded
    pinyin: Mapped[str] = mapped_column(Text)  # toneless, run together: zhangsan
    initials: Mapped[str] = mapped_column(Text)  # zs


class AlertCheck(Base):
    """A write's immediate-alert check still to do: written in the write's transaction, deleted by the check (in
    its own transaction, after the reply is sent). One a crash left behind is done by the next sweep, so a crossing
    is never left unsaid until the morning."""

    __tablename__ = "alert_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    sections: Mapped[str] = mapped_column(String(40))  # the alert sections the write could move: "budget,cash"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))  # who wrote, if anyone
    day: Mapped[date] = mapped_column(Date)  # the writer's today
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ProcessLock(Base):
    """A named lock held by one live process, with a lease it renews (a heartbeat): only one process long-polls a
    bot token. A holder that stops renewing (it died) loses the lock when the lease runs out, or at once when it was
    a process on this host that no longer runs."""

    __tablename__ = "process_lock"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
