import time

from django_otp.oath import TOTP


def code_for(device, steps=0) -> str:
    """An authenticator app's code now, or ``steps`` periods of 30 seconds on (a code is used
    only once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"
