from tests.booking.app_support import app_world, phone, sms, staff_client  # noqa: F401
