"""Answering requests: approve, decline, propose other times, accept one, expire the unanswered."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections

from bookings.models import Booking, BookingEvent, BookingStatus, ProposalState, TimeProposal
from bookings.services import (
    BookingError,
    accept_proposal,
    approve_request,
    book_therapy,
    decline_request,
    expire_requests,
    propose_times,
)
from notifications.models import Notification
from schedules.models import ApprovalMode, Occupancy
from tests.bookings.conftest import at, overlapping_request, set_approval
from tests.factories import UserFactory, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_mode(therapist, other_therapist):
    set_approval(therapist, ApprovalMode.REQUEST)
    set_approval(other_therapist, ApprovalMode.REQUEST)


def ask(client, therapy_type, therapist, start, **kw) -> Booking:
    return book_therapy(
        client=client, therapy_type=therapy_type, minutes=60, practitioner=therapist, starts_at=start, **kw
    )


@pytest.fixture
def pending(request_mode, client_user, massage, therapist) -> Booking:
    return ask(client_user, massage, therapist, at(10))


def _sent(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


# --- approve --------------------------------------------------------------------------------------


def test_it_turns_the_hold_firm_on_approval(pending, therapist):
    booking = approve_request(booking=pending, actor=therapist.user)
    assert booking.status == BookingStatus.CONFIRMED and booking.respond_by is None
    assert Occupancy.objects.get(pk=pending.occupancy_id).is_tentative is False


def test_it_tells_the_client_of_the_approval(pending, therapist, client_user):
    approve_request(booking=pending, actor=therapist.user)
    assert _sent(client_user, "booking_confirmed")


def test_it_raises_the_calendar_revision_on_approval(pending, therapist):
    assert approve_request(booking=pending, actor=therapist.user).ics_sequence == pending.ics_sequence + 1


def test_it_refuses_to_approve_twice(pending, therapist):
    approve_request(booking=pending, actor=therapist.user)
    with pytest.raises(BookingError, match="already been answered"):
        approve_request(booking=pending, actor=therapist.user)


def test_it_refuses_another_therapists_approval(pending, other_therapist):
    with pytest.raises(BookingError, match="not one of your sessions"):
        approve_request(booking=pending, actor=other_therapist.user)
    assert Booking.objects.get(pk=pending.pk).status == BookingStatus.REQUESTED


def test_it_refuses_the_clients_own_approval(pending, client_user):
    with pytest.raises(BookingError):
        approve_request(booking=pending, actor=client_user)


def test_it_lets_staff_who_manage_bookings_approve(pending):
    staff = staff_with("bookings.change_booking")
    assert approve_request(booking=pending, actor=staff).status == BookingStatus.CONFIRMED


def test_it_refuses_staff_whose_role_only_views_bookings(pending):
    with pytest.raises(BookingError):
        approve_request(booking=pending, actor=staff_with("bookings.view_booking"))
    pending.refresh_from_db()
    assert pending.status == BookingStatus.REQUESTED


def test_it_refuses_to_approve_over_a_session_that_got_there_first(request_mode, massage, therapist, client_user):
    first = ask(client_user, massage, therapist, at(10))
    second = overlapping_request(first, UserFactory())
    approve_request(booking=first, actor=therapist.user)
    with pytest.raises(BookingError) as refused:
        approve_request(booking=second, actor=therapist.user)
    assert refused.value.alternatives  # SlotTaken: the next free times come with it
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.REQUESTED


def test_it_takes_the_time_from_an_overlapping_request_on_approval(request_mode, massage, therapist, client_user):
    first = ask(client_user, massage, therapist, at(10))
    second = overlapping_request(first, UserFactory())
    approve_request(booking=first, actor=therapist.user)
    second.refresh_from_db()
    assert second.status == BookingStatus.REQUESTED and second.occupancy_id is None
    assert list(Occupancy.objects.values_list("pk", "is_tentative")) == [(first.occupancy_id, False)]


# --- decline --------------------------------------------------------------------------------------


def test_it_needs_a_reason_to_decline(pending, therapist):
    with pytest.raises(BookingError, match="Tell the client why"):
        decline_request(booking=pending, actor=therapist.user, reason="  ")
    assert Booking.objects.get(pk=pending.pk).status == BookingStatus.REQUESTED


def test_it_frees_the_hold_on_decline(pending, therapist):
    booking = decline_request(booking=pending, actor=therapist.user, reason="Fully booked that week")
    assert booking.status == BookingStatus.DECLINED and booking.cancel_reason == "Fully booked that week"
    assert not Occupancy.objects.filter(pk=pending.occupancy_id).exists()
    assert Booking.objects.get(pk=pending.pk).occupancy_id is None


def test_it_tells_the_client_why_it_was_declined(pending, therapist, client_user):
    decline_request(booking=pending, actor=therapist.user, reason="Fully booked that week")
    (message, *_) = _sent(client_user, "therapy_declined")
    assert message.context["reason"] == "Fully booked that week"


def test_it_refuses_another_therapists_decline(pending, other_therapist):
    with pytest.raises(BookingError, match="not one of your sessions"):
        decline_request(booking=pending, actor=other_therapist.user, reason="No")
    assert Occupancy.objects.filter(pk=pending.occupancy_id).exists()


# --- propose and accept ---------------------------------------------------------------------------


def test_it_proposes_up_to_three_free_times(pending, therapist, client_user):
    proposals = propose_times(booking=pending, actor=therapist.user, starts=[at(14), at(15), at(11, weeks=1)])
    assert [p.starts_at for p in proposals] == [at(14), at(15), at(11, weeks=1)]
    assert all(p.state == ProposalState.OPEN and p.ends_at - p.starts_at == timedelta(hours=1) for p in proposals)
    assert _sent(client_user, "therapy_times_proposed")


@pytest.mark.parametrize("count", [0, 4])
def test_it_refuses_fewer_than_one_or_more_than_three_times(pending, therapist, count):
    with pytest.raises(BookingError, match="between one and three"):
        propose_times(booking=pending, actor=therapist.user, starts=[at(13 + n) for n in range(count)])


def test_it_refuses_to_propose_a_busy_time(pending, therapist, massage):
    set_approval(therapist, ApprovalMode.FIRM)
    ask(UserFactory(), massage, therapist, at(15))
    with pytest.raises(BookingError, match="no longer free"):
        propose_times(booking=pending, actor=therapist.user, starts=[at(12), at(15)])
    assert not TimeProposal.objects.exists()


def test_it_lets_a_proposal_overlap_the_requests_own_hold(pending, therapist):
    (proposal,) = propose_times(booking=pending, actor=therapist.user, starts=[at(10, 30)])
    assert proposal.starts_at == at(10, 30)


def test_it_withdraws_older_proposals_when_proposing_again(pending, therapist):
    older = propose_times(booking=pending, actor=therapist.user, starts=[at(14)])
    propose_times(booking=pending, actor=therapist.user, starts=[at(15)])
    assert TimeProposal.objects.get(pk=older[0].pk).state == ProposalState.WITHDRAWN


def test_it_refuses_another_therapists_proposal(pending, other_therapist):
    with pytest.raises(BookingError, match="not one of your sessions"):
        propose_times(booking=pending, actor=other_therapist.user, starts=[at(14)])


def test_it_moves_and_confirms_the_booking_when_a_proposal_is_accepted(pending, therapist, client_user):
    _, later = propose_times(booking=pending, actor=therapist.user, starts=[at(14), at(15)])
    booking = accept_proposal(proposal=later, client=client_user)
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.starts_at, booking.ends_at) == (at(15), at(16))
    hold = Occupancy.objects.get(pk=booking.occupancy_id)
    assert (hold.starts_at, hold.ends_at, hold.is_tentative) == (at(14, 55), at(16, 10), False)
    assert not Occupancy.objects.filter(pk=pending.occupancy_id).exists()


def test_it_records_the_accepted_proposal_and_withdraws_the_rest(pending, therapist, client_user):
    first, second = propose_times(booking=pending, actor=therapist.user, starts=[at(14), at(15)])
    accept_proposal(proposal=second, client=client_user)
    states = dict(TimeProposal.objects.values_list("pk", "state"))
    assert states == {first.pk: ProposalState.WITHDRAWN, second.pk: ProposalState.ACCEPTED}


def test_it_refuses_a_second_accepted_proposal_of_the_same_booking(pending, therapist, client_user):
    first, second = propose_times(booking=pending, actor=therapist.user, starts=[at(14), at(15)])
    accept_proposal(proposal=first, client=client_user)
    with pytest.raises(BookingError, match="no longer open"):
        accept_proposal(proposal=second, client=client_user)
    assert Booking.objects.get(pk=pending.pk).starts_at == at(14)


def test_it_refuses_another_clients_acceptance(pending, therapist, other_client):
    (proposal,) = propose_times(booking=pending, actor=therapist.user, starts=[at(14)])
    with pytest.raises(BookingError, match="not your booking"):
        accept_proposal(proposal=proposal, client=other_client)
    assert TimeProposal.objects.get(pk=proposal.pk).state == ProposalState.OPEN


def test_it_refuses_a_proposal_taken_since_it_was_made(pending, therapist, client_user, massage):
    (proposal,) = propose_times(booking=pending, actor=therapist.user, starts=[at(14)])
    set_approval(therapist, ApprovalMode.FIRM)
    ask(UserFactory(), massage, therapist, at(14))
    with pytest.raises(BookingError):
        accept_proposal(proposal=proposal, client=client_user)
    assert TimeProposal.objects.get(pk=proposal.pk).state == ProposalState.OPEN
    assert Booking.objects.get(pk=pending.pk).status == BookingStatus.REQUESTED


def test_it_moves_a_confirmed_session_to_an_accepted_new_time(therapist, client_user, massage):
    booking = ask(client_user, massage, therapist, at(10))
    (proposal,) = propose_times(booking=booking, actor=therapist.user, starts=[at(16)])
    moved = accept_proposal(proposal=proposal, client=client_user)
    assert (moved.status, moved.starts_at) == (BookingStatus.CONFIRMED, at(16))
    assert _sent(client_user, "booking_changed")


# --- expiry ---------------------------------------------------------------------------------------


def test_it_expires_an_unanswered_request_and_frees_its_hold(pending, client_user):
    assert expire_requests(now=pending.respond_by) == 1
    booking = Booking.objects.get(pk=pending.pk)
    assert booking.status == BookingStatus.EXPIRED and booking.occupancy_id is None
    assert not Occupancy.objects.filter(pk=pending.occupancy_id).exists()
    assert _sent(client_user, "therapy_expired")


def test_it_leaves_a_request_alone_before_its_answer_is_due(pending):
    assert expire_requests(now=pending.respond_by - timedelta(seconds=1)) == 0
    assert Booking.objects.get(pk=pending.pk).status == BookingStatus.REQUESTED


def test_it_expires_each_request_once_when_run_twice(pending):
    assert expire_requests(now=pending.respond_by) == 1
    assert expire_requests(now=pending.respond_by + timedelta(hours=1)) == 0
    assert BookingEvent.objects.filter(booking=pending, to_status="expired").count() == 1


def test_it_withdraws_open_proposals_of_an_expired_request(pending, therapist):
    (proposal,) = propose_times(booking=pending, actor=therapist.user, starts=[at(14)])
    expire_requests(now=pending.respond_by)
    assert TimeProposal.objects.get(pk=proposal.pk).state == ProposalState.WITHDRAWN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_expires_each_request_once_when_two_sweeps_run_at_once(request_mode, massage, therapist):
    requests = [ask(UserFactory(), massage, therapist, at(9 + 2 * (n % 4), weeks=n // 4)) for n in range(6)]
    due = max(r.respond_by for r in requests)
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[Exception] = []

    def sweep():
        try:
            barrier.wait()
            counts.append(expire_requests(now=due))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == [] and sum(counts) == len(requests)
    assert BookingEvent.objects.filter(to_status="expired").count() == len(requests)
    assert not Occupancy.objects.exists()
    assert Notification.objects.filter(kind="therapy_expired").values("recipient").distinct().count() == len(requests)
