"""Passwords too common to accept, whatever their length.

The most frequent entries of public breach corpora that are 12 characters or longer (shorter
ones fail the length rule anyway), plus the obvious local ones for a sheriff's office.
Compared case-insensitively and with trailing digits and punctuation ignored.
"""

COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456123456",
        "qwertyuiopasdfgh",
        "qwertyuiop",
        "qwertyuiop123",
        "1qaz2wsx3edc",
        "1q2w3e4r5t6y",
        "zaq12wsxcde3",
        "passwordpassword",
        "password1234",
        "passw0rd1234",
        "iloveyouiloveyou",
        "administrator",
        "letmeinletmein",
        "welcome12345",
        "changemenow",
        "changeme1234",
        "trustno1trustno1",
        "sunshinesunshine",
        "football1234",
        "baseball1234",
        "superman1234",
        "abcdefghijkl",
        "abcdefghijklmnop",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "sheriffsheriff",
        "sheriff12345",
        "deputy123456",
        "policepolice",
        "police123456",
        "lawenforcement",
        "plateward123",
        "platewardplateward",
        "alprpassword",
        "licenseplate",
        "correcthorsebatterystaple",
    }
)
