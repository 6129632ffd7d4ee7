"""Shared code of the scheduling system's Lambdas.

Bundled at the root of every function package next to `handler.py`, so handlers import it as
`pf_actions`. Action groups (scheduling, information, notes): `bedrock` (event envelope,
resolver, error mapping), `common_routes`, `backend` (mock or PF360 data source), `mock_data`,
`pf360_client` + `pf360_api` + `credentials` (PF360 mode), `schedule_rules`, `models`,
`settings` (environment), `errors`, `log`.

Phase 2 (scaling and observability), used by the action groups and the other functions
(chat_api, cleanup_sessions, refresh_cache, daily_metrics): `app_settings` (SSM settings),
`cache` (DynamoDB cache of PF360 answers), `conversations` (chat sessions and turns),
`metrics` (EMF), `tracing` (Powertools Tracer or a stand-in), `aws` (boto3 clients),
`runtime` (Lambda context helpers). Without Phase 2 variables none of them imports boto3.
"""
