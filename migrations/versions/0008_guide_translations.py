"""guide translations edited in the browser

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 02:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guide_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=12), nullable=False),
        sa.Column('week', sa.Integer(), nullable=False),
        sa.Column('part', sa.String(length=64), nullable=False),
        sa.Column('published_title', sa.String(length=200), nullable=True),
        sa.Column('published_body', sa.Text(), nullable=True),
        sa.Column('published_source', sa.String(length=16), nullable=True),
        sa.Column('published_english', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('draft_state', sa.String(length=16), nullable=True),
        sa.Column('draft_title', sa.String(length=200), nullable=True),
        sa.Column('draft_body', sa.Text(), nullable=True),
        sa.Column('draft_at', sa.DateTime(), nullable=True),
        sa.Column('draft_by_id', sa.Integer(), nullable=True),
        sa.Column('review_requested_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['draft_by_id'], ['users.id'],
                                name=op.f('fk_guide_texts_draft_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_guide_texts_published_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['review_requested_by_id'], ['users.id'],
                                name=op.f('fk_guide_texts_review_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_texts')),
        sa.UniqueConstraint('lang', 'week', 'part', name=op.f('uq_guide_texts_lang')),
    )
    op.create_table(
        'guide_text_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=True),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['by_id'], ['users.id'],
                                name=op.f('fk_guide_text_revisions_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['text_id'], ['guide_texts.id'],
                                name=op.f('fk_guide_text_revisions_text_id_guide_texts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_text_revisions')),
    )
    op.create_index('ix_guide_text_revisions_text_id_at', 'guide_text_revisions',
                    ['text_id', 'at'], unique=False)
    op.create_table(
        'guide_layer_state',
        sa.Column('name', sa.String(length=16), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('data', sa.Text(), nullable=True),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_guide_layer_state')),
    )


def downgrade():
    op.drop_table('guide_layer_state')
    op.drop_index('ix_guide_text_revisions_text_id_at', table_name='guide_text_revisions')
    op.drop_table('guide_text_revisions')
    op.drop_table('guide_texts')
