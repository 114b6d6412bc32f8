"""Mail: building messages and carrying them.

`message` builds RFC 5322 messages; `transport` hands them to whatever carries
them (a `Transport`; SMTP today). The outbox writer is `digest.outbox`.
"""
