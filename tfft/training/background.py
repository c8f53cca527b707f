"""Work run in a thread of its own, its value or error kept for whoever
waits for it: the trainer's background checkpoint writes, and model/
written while the test split is evaluated."""

import concurrent.futures
import threading


class Background:
    """`work()` started in a thread named `name`. `future` holds its value
    or error; `wait()` joins the thread (none outlives its work), then
    returns the value or raises the error. Ctrl-C raises KeyboardInterrupt
    inside a join: the thread is then still there to wait for."""

    def __init__(self, work, name: str):
        self.future = concurrent.futures.Future()
        self.thread = threading.Thread(target=self._run, args=(work,),
                                       name=name)
        self.thread.start()

    def _run(self, work):
        try:
            self.future.set_result(work())
        except BaseException as e:  # noqa: B036 - raised by wait()
            self.future.set_exception(e)

    def wait(self):
        self.thread.join()
        return self.future.result()
