"""Shared code of the PF action-group Lambdas (scheduling, information, notes).

Bundled at the root of every function package next to `handler.py`, so handlers import it as
`pf_actions`. Modules: `bedrock` (event envelope, resolver, error mapping), `common_routes`,
`backend` (mock or PF360 data source), `mock_data`, `pf360_client` + `pf360_api` + `credentials`
(PF360 mode), `schedule_rules`, `models`, `settings`, `errors`, `log`.
"""
