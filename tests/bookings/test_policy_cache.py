"""Which policy applies is cached (bookings.policy_cache): no query per booking, and
a staff change is seen by the very next booking."""

import pytest
from django.core.cache import cache

from bookings import policy_cache, services
from bookings.models import BookingPolicy, ClassTypePolicy, TherapyTypePolicy
from tests.factories import TherapyTypeFactory

pytestmark = pytest.mark.django_db


def test_a_warm_cache_answers_without_a_query(session, default_policy, django_assert_num_queries):
    assert services.policy_for(session.class_type_id) == default_policy
    with django_assert_num_queries(0):
        assert services.policy_for(session.class_type_id) == default_policy
        assert services.therapy_policy_for(12345) == default_policy


def test_a_saved_change_applies_to_the_next_booking(session, client_user, default_policy):
    services.policy_for(session.class_type_id)  # cached
    default_policy.max_party_size = 1
    default_policy.save()
    with pytest.raises(services.BookingError, match="at most 1 spot in one booking"):
        services.book_class(client=client_user, session_id=session.pk, quantity=2)


def test_linking_and_unlinking_a_class_type_is_seen_at_once(session, default_policy):
    assert services.policy_for(session.class_type_id) == default_policy
    strict = BookingPolicy.objects.create(name="Workshops", max_party_size=1)
    link = ClassTypePolicy.objects.create(class_type=session.class_type, policy=strict)
    assert services.policy_for(session.class_type_id) == strict
    link.delete()
    assert services.policy_for(session.class_type_id) == default_policy


def test_linking_a_therapy_type_is_seen_at_once(default_policy):
    massage = TherapyTypeFactory()
    assert services.therapy_policy_for(massage.pk) == default_policy
    gentle = BookingPolicy.objects.create(name="Therapy", cutoff_minutes=1440)
    TherapyTypePolicy.objects.create(therapy_type=massage, policy=gentle)
    assert services.therapy_policy_for(massage.pk) == gentle


def test_deleting_the_default_falls_back_to_built_in_rules(session, default_policy):
    services.policy_for(session.class_type_id)
    default_policy.delete()
    fallback = services.policy_for(session.class_type_id)
    assert fallback.pk is None and fallback.is_default


def test_what_was_cached_while_the_change_was_uncommitted_is_left_behind(
    session, default_policy, django_capture_on_commit_callbacks
):
    """A request that read the old rows after the save but before the commit may cache
    them under the token of the moment; the commit sets a newer token."""
    services.policy_for(session.class_type_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        default_policy.max_party_size = 1
        default_policy.save()
        # A concurrent request, not seeing the uncommitted row, caches the old policy.
        stale = BookingPolicy.objects.get(pk=default_policy.pk)
        stale.max_party_size = 4
        cache.set(f"bookings:policies:{policy_cache.POLICIES_VERSION.current()}", policy_cache.Policies(default=stale))
        assert services.policy_for(session.class_type_id).max_party_size == 4
    assert callbacks, "the change must set a new token again on commit"
    for callback in callbacks:
        callback()
    assert services.policy_for(session.class_type_id).max_party_size == 1
