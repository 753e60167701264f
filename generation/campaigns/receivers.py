"""placeholder"""


def receivers_connect():
    pass
