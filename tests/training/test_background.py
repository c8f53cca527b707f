import threading

import pytest

from tfft.training.background import Background


def test_the_value_comes_from_the_thread_once_it_is_done():
    release = threading.Event()

    def work():
        assert release.wait(30)
        return threading.current_thread().name

    running = Background(work, "tfft-test-work")
    assert not running.future.done()  # started, not waited for
    release.set()
    assert running.wait() == "tfft-test-work"
    assert not running.thread.is_alive()


def test_the_error_is_raised_by_wait_not_by_the_start():
    def work():
        raise OSError(28, "No space left on device")

    running = Background(work, "tfft-test-work")
    with pytest.raises(OSError, match="No space left"):
        running.wait()
    assert not running.thread.is_alive()
