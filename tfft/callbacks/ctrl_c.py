"""Stops training after a Ctrl-C whose KeyboardInterrupt was swallowed."""

import tf_keras


class ReraiseCtrlC(tf_keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of the first batch (training,
    validation or prediction) after `pressed()` turns true.

    Python runs a SIGINT handler wherever the main thread happens to be.
    When that is a `__del__` method or a weakref callback, the handler's
    KeyboardInterrupt is printed as "Exception ignored in ..." and fit
    carries on to the end. They run often: a `tfft-train` of the CLI
    tests' size (10 tiny epochs) ran ~1,900 `__del__` calls in its main
    thread (TensorFlow's function objects, datasets, regex, tqdm). A
    handler that records the signal and this callback make Ctrl-C stop
    training anyway. tfft's CLI records it; in your own code::

        pressed = []
        def handler(signum, frame):
            pressed.append(signum)
            signal.default_int_handler(signum, frame)
        signal.signal(signal.SIGINT, handler)
        model.fit(train, callbacks=[ReraiseCtrlC(lambda: bool(pressed))])
    """

    def __init__(self, pressed):
        super().__init__()
        self.pressed = pressed

    def _check(self, batch, logs=None):
        del batch, logs
        if self.pressed():
            raise KeyboardInterrupt

    on_train_batch_end = _check
    on_test_batch_end = _check
    on_predict_batch_end = _check
