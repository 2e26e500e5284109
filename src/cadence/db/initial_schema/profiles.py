"""Migration 0001, profiles: accounts, contacts and their identities, events and merges; the
outbox, the meta table and API keys."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cadence.db.types


def create() -> None:
    op.create_table(
        "accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "trait_times",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("updated_at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("group_id", name=op.f("uq_accounts_group_id")),
    )
    op.create_table(
        "api_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("revoked_at", cadence.db.types.Millis(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "contacts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "trait_times",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("updated_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("first_seen_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("last_seen_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("revenue_total", sa.Float(), nullable=False),
        sa.Column("first_order_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("last_order_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("last_response_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("has_preferences", sa.Boolean(), nullable=False),
        sa.Column("profile_level", sa.Integer(), nullable=False),
        sa.Column(
            "merged_into", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("score_as_of", cadence.db.types.Millis(), nullable=True),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("lifecycle_stage", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_contacts_user_id")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)
    op.create_table(
        "merges",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "from_contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "into_contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merges")),
    )
    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merges_from_contact_id"), ["from_contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_merges_into_contact_id"), ["into_contact_id"], unique=False
        )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("published_at", cadence.db.types.Millis(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)
    op.create_table(
        "contact_accounts",
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("linked_at", cadence.db.types.Millis(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contact_accounts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_accounts_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("contact_id", "account_id", name=op.f("pk_contact_accounts")),
    )
    with op.batch_alter_table("contact_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_accounts_account_id"), ["account_id"], unique=False
        )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("ts", cadence.db.types.Millis(), nullable=False),
        sa.Column("received_at", cadence.db.types.Millis(), nullable=False),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_events_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("message_id", name=op.f("uq_events_message_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_events_name_ts", ["name", "ts"], unique=False)
    op.create_table(
        "identities",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_identities_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_identities")),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identities_contact_id"), ["contact_id"], unique=False)


def drop() -> None:
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identities_contact_id"))

    op.drop_table("identities")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_name_ts")
        batch_op.drop_index(batch_op.f("ix_events_contact_id"))

    op.drop_table("events")

    with op.batch_alter_table("contact_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_accounts_account_id"))

    op.drop_table("contact_accounts")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_contact_id"))

    op.drop_table("outbox")

    op.drop_table("meta")

    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merges_into_contact_id"))
        batch_op.drop_index(batch_op.f("ix_merges_from_contact_id"))

    op.drop_table("merges")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_email"))

    op.drop_table("contacts")

    op.drop_table("api_keys")

    op.drop_table("accounts")
