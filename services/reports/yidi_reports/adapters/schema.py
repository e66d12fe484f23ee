"""The reports service's tables. READ_MODEL_DDL is what a replay rebuilds from the topics (it is also
created, with the messaging tables, in the fresh schema of a rebuild); OWN_STATE_DDL is what only this
service decides (stored reports, objections, feedback items) and a replay never touches."""

READ_MODEL_DDL = [
    """CREATE TABLE IF NOT EXISTS cases (
        claim_id text PRIMARY KEY,
        version int NOT NULL,
        stage text NOT NULL,  -- submitted | rejected | priced (of `version`)
        hospital_code text NOT NULL,
        treatment_region text NOT NULL,
        insured_region text NOT NULL,
        origin text NOT NULL,  -- local | cross | cross-province
        period text,
        psn_no text,
        adm_time timestamp,  -- China Standard Time, as the lists carry it
        dscg_time timestamp,
        los int,
        total_cost numeric(18,2),
        self_pay numeric(18,2),
        basic_fund numeric(18,2),
        grouping_status text,
        payment_method text,
        group_code text,
        weight numeric(18,6),
        case_kind text,
        principal_diagnosis text)""",
    "CREATE INDEX IF NOT EXISTS cases_region_period ON cases (treatment_region, period)",
    "CREATE INDEX IF NOT EXISTS cases_person ON cases (psn_no, treatment_region)",
    """CREATE TABLE IF NOT EXISTS flags (
        flag_id text PRIMARY KEY,
        claim_id text NOT NULL,
        version int,
        hospital_code text,
        treatment_region text,
        insured_region text,
        rule_id text,
        suspected_amount numeric(18,2),
        raised_at timestamptz,
        confirmed_amount numeric(18,2),
        confirmed_period text,
        withdrawn_by text)""",
    "CREATE INDEX IF NOT EXISTS flags_claim ON flags (claim_id)",
    """CREATE TABLE IF NOT EXISTS annual_clearings (
        region text NOT NULL,
        year int NOT NULL,
        cleared_at timestamptz NOT NULL,
        pools jsonb NOT NULL,
        PRIMARY KEY (region, year))""",
]

OWN_STATE_DDL = [
    """CREATE TABLE IF NOT EXISTS reports (
        id text PRIMARY KEY,
        kind text NOT NULL,
        region text NOT NULL,
        hospital text NOT NULL DEFAULT '',
        period text NOT NULL,
        revision int NOT NULL DEFAULT 0,  -- 0: expected, not generated yet; n: the n-th generation
        due_date date,
        generated_at timestamptz,
        trigger text,
        config_version text,
        data_version text,
        input_hash text,
        content jsonb,
        html bytea,
        pdf bytea,
        xlsx bytea,
        UNIQUE (kind, region, hospital, period, revision))""",
    """CREATE TABLE IF NOT EXISTS objections (
        id text PRIMARY KEY,
        hospital_code text NOT NULL,
        treatment_region text NOT NULL,
        target_kind text NOT NULL,
        target_id text NOT NULL,
        claim_id text,
        claim_version int,
        reason text NOT NULL,
        documents jsonb NOT NULL,
        status text NOT NULL,
        filed_at timestamptz NOT NULL,
        window_closes timestamptz NOT NULL,
        decided_at timestamptz,
        decision_reasons text,
        trail jsonb NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS objections_target ON objections (target_kind, target_id)",
    """CREATE TABLE IF NOT EXISTS feedback_items (
        id text PRIMARY KEY,
        round text NOT NULL,  -- 2026-H1 | 2026-H2
        hospital_code text NOT NULL,
        region text NOT NULL,  -- the hospital's region: its bureau answers
        topic text NOT NULL,
        text text NOT NULL,
        reference_kind text,
        reference_id text,
        submitted_at timestamptz NOT NULL,
        answer_due date NOT NULL,
        status text NOT NULL,
        answer text,
        answered_at timestamptz,
        trail jsonb NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS feedback_items_region_round ON feedback_items (region, round)",
]
