"""Mail: building messages, carrying them, and remembering what went to whom.

`message` builds RFC 5322 messages; `transport` hands them to whatever carries
them (a `Transport`; SMTP today); `ledger` is the delivery ledger (a `Ledger`;
SQLite today); `sending` sends each digest to each subscriber exactly once
against those two protocols; `subscribers`, `addresses` and `tokens` are who
receives it and how they leave. The outbox writer is `digest.outbox`.
"""
