from decimal import Decimal as D

import pytest

from payments.state import PaymentState as S
from payments.state import payment_state


@pytest.mark.parametrize(
    ("total", "paid", "refunded", "pending", "disputed", "expected"),
    [
        ("0", "0", "0", "0", False, S.FREE),
        ("20", "0", "0", "0", False, S.UNPAID),
        ("20", "5", "0", "0", False, S.DEPOSIT_PAID),
        ("20", "20", "0", "0", False, S.PAID),
        ("20", "25", "0", "0", False, S.PAID),
        ("20", "20", "5", "0", False, S.PARTLY_REFUNDED),
        ("20", "20", "20", "0", False, S.REFUNDED),
        ("20", "5", "5", "0", False, S.REFUNDED),
        ("20", "20", "0", "20", False, S.REFUND_PENDING),
        ("20", "20", "5", "5", False, S.REFUND_PENDING),
        ("20", "20", "0", "0", True, S.DISPUTED),
        ("20", "20", "0", "5", True, S.DISPUTED),
        ("0", "0", "0", "0", True, S.DISPUTED),
    ],
)
def test_every_combination(total, paid, refunded, pending, disputed, expected):
    got = payment_state(
        total=D(total), paid=D(paid), refunded=D(refunded), refund_pending=D(pending), disputed=disputed
    )
    assert got is expected


@pytest.mark.parametrize(
    ("total", "paid", "refunded", "pending"),
    [("20", "10", "11", "0"), ("20", "10", "5", "6"), ("-1", "0", "0", "0"), ("20", "-1", "0", "0")],
)
def test_impossible_figures_are_refused(total, paid, refunded, pending):
    with pytest.raises(ValueError):
        payment_state(total=D(total), paid=D(paid), refunded=D(refunded), refund_pending=D(pending))
