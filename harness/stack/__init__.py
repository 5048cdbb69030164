"""The local stack every recording and most tests talk to, all on 127.0.0.1.

:mod:`.upstream` (a scripted OpenAI-compatible server, SSE in :mod:`.upstream_sse`),
:mod:`.gateway` (the real MLflow AI gateway process in front of it), :mod:`.moto_bedrock`
(Bedrock through moto, streams in :mod:`.moto_eventstream`) and :mod:`.rich_answers`
(the content blocks both send).
"""
