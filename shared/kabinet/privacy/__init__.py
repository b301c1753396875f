"""Personal data protection: per-subject sealing of event fields, key store, erasure, scans.

Modules: `crypto` (AES-GCM tokens), `master` (master keyring and rotation steps),
`keystore` (subject keys: the `KeyStore` port, Mongo and memory adapters), `payload`
(which contract fields are personal data; seal/open), `erased` (projection tombstones),
`scan` (search topics and collections for a subject's plaintext). Operator commands:
`python -m kabinet.privacy scan|rotate|keys`.
"""
