"""Erasure of a subscriber's personal data: the identity side, the receipt, the operator command.

`python -m identity.erasure erase|receipt|verify …` (see `__main__`).
"""

from identity.erasure.receipts import Erasure

__all__ = ["Erasure"]
