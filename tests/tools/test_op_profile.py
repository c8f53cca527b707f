"""The benchmark's op profile: op names of both families land in the
right kind, and each op of a profiled step is counted once."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tools"))

import op_profile  # noqa: E402


def test_op_names_of_both_families_land_in_their_kind():
    cases = {
        # keras_hub (Keras 3), forward and backward
        ("task_model/bert_backbone/transformer_layer_0/self_attention_layer"
         "/query/einsum/Einsum", "Einsum"): "dense matmuls",
        ("gradient_tape/task_model/bert_backbone/transformer_layer_3/"
         "self_attention_layer/MatMul/MatMul", "BatchMatMulV2"):
            "attention matmuls",
        ("gradient_tape/task_model/bert_backbone/transformer_layer_3/"
         "feedforward_intermediate_dense/Gelu/mul/Mul", "Mul"): "GELU",
        ("task_model/bert_backbone/transformer_layer_1/"
         "self_attention_layer_norm/mul", "Mul"): "LayerNorm",
        ("task_model/bert_backbone/transformer_layer_1/self_attention_layer"
         "/softmax/SelectV2", "SelectV2"): "softmax",
        ("task_model/bert_backbone/transformer_layer_1/feedforward_dropout/"
         "stateless_dropout/SelectV2", "SelectV2"): "dropout",
        # oneDNN's rewrites on AVX512 CPUs
        ("task_model/bert_backbone/transformer_layer_1/self_attention_layer"
         "/value/einsum/Einsum_1", "_MklEinsum"): "dense matmuls",
        ("gradient_tape/task_model/bert_backbone/transformer_layer_0/"
         "feedforward_output_dense/MatMul", "_MklNativeFusedMatMul"):
            "dense matmuls",
        ("task_model/bert_backbone/transformer_layer_3/self_attention_layer"
         "/MatMul", "_MklBatchMatMulV2"): "attention matmuls",
        ("gradient_tape/task_model/bert_backbone/transformer_layer_0/"
         "feedforward_output_dense/BiasAdd/BiasAddGrad", "BiasAddGrad"):
            "bias adds",
        ("fused_adam_w/mul", "Mul"): "optimizer",
        ("fused_adam_w/ResourceApplyAdam", "ResourceApplyAdam"): "optimizer",
        ("task_model/bert_backbone/transformer_layer_1/self_attention_layer"
         "/transpose", "Transpose"): "transposes",
        # transformers' TF BERT (tf_keras)
        ("tf_bert_model/bert/encoder/layer_._0/attention/output/LayerNorm/"
         "batchnorm/mul", "Mul"): "LayerNorm",
        ("tf_bert_model/bert/encoder/layer_._0/intermediate/dense/Tensordot/"
         "MatMul", "MatMul"): "dense matmuls",
        ("tf_bert_model/bert/embeddings/Gather", "ResourceGather"):
            "embeddings",
        ("AdamW/update/mul", "Mul"): "optimizer",
        ("some/scope/Cast", "Cast"): "other",
    }
    for (name, kind), expected in cases.items():
        assert op_profile.kind_of(name, kind).startswith(expected), name


def test_a_profiled_step_counts_each_op_once():
    import tensorflow as tf

    a = tf.random.normal((256, 256))

    @tf.function
    def inner(x):
        return tf.nn.gelu(tf.matmul(x, x))

    @tf.function
    def step():
        y = a
        for _ in range(4):
            y = inner(y) * 1e-3
        return y

    step().numpy()  # traced outside the profile
    calls = 3
    events = op_profile.profile(lambda: step().numpy(), calls)
    types = [op_type for _, op_type, _ in events]
    # Each op of each call, once. The matmul's type depends on the CPU:
    # oneDNN rewrites MatMul to _MklMatMul where it has AVX512.
    matmuls = [t for name, t, _ in events if op_profile.kind_of(
        name, t).startswith("dense matmuls")]
    assert len(matmuls) == 4 * calls, types
    assert types.count("Erfc") == 4 * calls  # the exact GELU's
    assert all(seconds > 0 for *_, seconds in events)
    ops = op_profile.per_call(lambda: step().numpy(), calls)
    assert list(ops) == [kind for kind, _ in op_profile.KINDS]
    assert ops["dense matmuls (projections, FFN, head)"] > 0
    assert ops["GELU"] > 0
