"""Seq2seq checkpoints in PyTorch-safetensors layout (what the hub serves)
load into transformers' TF classes without torch, with the outputs of the
model they were written from; for BART, keras-hub's own conversion of the
same folder gives the same encoder and decoder outputs. keras-hub 0.32 has
no converter for T5 checkpoints (only T5Gemma): for T5 the second path is
keras-hub's `T5Seq2SeqLM` holding the loaded weights, copied by name here.

The folders are written here without torch: each TF weight is renamed and
transposed by transformers' own TF -> PyTorch name mapping."""

import os

import numpy as np
import pytest
import transformers
from safetensors import safe_open
from safetensors.numpy import save_file
from transformers.modeling_tf_pytorch_utils import TransposeType
from transformers.modeling_tf_pytorch_utils import (
    convert_tf_weight_name_to_pt_weight_name,
)

from tfft.config import default_config
from tfft.models import hf
from tfft.tasks import get_task

IDS = np.array([[0, 5, 6, 7, 2], [0, 9, 8, 2, 1]], np.int32)
DECODER = np.array([[2, 0, 5, 6], [2, 0, 9, 1]], np.int32)
MASK, DECODER_MASK = (IDS != 1).astype(np.int32), (DECODER != 1).astype(
    np.int32)


def _write_pt_checkpoint(model, folder):
    """`model`'s config and weights as a PyTorch-layout checkpoint."""
    state = {}
    for weight in model.weights:
        name, transpose = convert_tf_weight_name_to_pt_weight_name(
            weight.name, tf_weight_shape=weight.shape)
        value = weight.numpy()
        assert transpose in (TransposeType.NO, TransposeType.SIMPLE)
        state[name] = np.ascontiguousarray(
            value.T if transpose is TransposeType.SIMPLE else value)
    model.config.save_pretrained(folder)
    save_file(state, os.path.join(folder, "model.safetensors"),
              metadata={"format": "pt"})


def _outputs(model):
    return model(input_ids=IDS, attention_mask=MASK,
                 decoder_input_ids=DECODER,
                 decoder_attention_mask=DECODER_MASK, training=False)


CONFIGS = {
    "bart": transformers.BartConfig(
        vocab_size=40, d_model=16, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2,
        encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=32,
        pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2),
    "t5": transformers.T5Config(
        vocab_size=40, d_model=16, d_kv=8, d_ff=32, num_layers=2,
        num_heads=2, pad_token_id=1, eos_token_id=2,
        decoder_start_token_id=1),
}


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_pytorch_layout_checkpoints_load_without_torch(tmp_path, kind):
    source = transformers.TFAutoModelForSeq2SeqLM.from_config(CONFIGS[kind])
    source(source.dummy_inputs, training=False)
    folder = str(tmp_path / kind)
    _write_pt_checkpoint(source, folder)
    with safe_open(os.path.join(folder, "model.safetensors"), "np") as f:
        assert f.metadata()["format"] == "pt"  # the torch-only layout

    config = default_config()
    config.task, config.model.family = "summarization", "hf"
    config.model.path = folder
    task = get_task("summarization", config)
    loaded = hf.build(folder, config.model, task).encoder
    assert type(loaded).__name__ == type(source).__name__
    expected, got = _outputs(source), _outputs(loaded)
    np.testing.assert_allclose(got.logits.numpy(), expected.logits.numpy(),
                               rtol=0, atol=1e-6)
    if kind == "t5":
        theirs = _keras_hub_t5(loaded)({
            "encoder_token_ids": IDS, "encoder_padding_mask": MASK,
            "decoder_token_ids": DECODER,
            "decoder_padding_mask": DECODER_MASK})
        real = DECODER_MASK.astype(bool)
        np.testing.assert_allclose(np.asarray(theirs)[real],
                                   got.logits.numpy()[real], rtol=0,
                                   atol=1e-5)
        return
    import keras_hub

    backbone = keras_hub.models.Backbone.from_preset(folder)
    assert type(backbone).__name__ == "BartBackbone"
    theirs = backbone({"encoder_token_ids": IDS, "encoder_padding_mask": MASK,
                       "decoder_token_ids": DECODER,
                       "decoder_padding_mask": DECODER_MASK})
    np.testing.assert_allclose(
        np.asarray(theirs["encoder_sequence_output"]),
        got.encoder_last_hidden_state.numpy(), rtol=0, atol=1e-5)
    # Compared where the decoder attends (keras-hub and transformers mask
    # padded decoder positions differently).
    real = DECODER_MASK.astype(bool)
    np.testing.assert_allclose(
        np.asarray(theirs["decoder_sequence_output"])[real],
        _decoder_hidden(loaded)[real], rtol=0, atol=1e-5)


def _decoder_hidden(model):
    return model.model(input_ids=IDS, attention_mask=MASK,
                       decoder_input_ids=DECODER,
                       decoder_attention_mask=DECODER_MASK,
                       training=False).last_hidden_state.numpy()


def _keras_hub_t5(model):
    """keras-hub's `T5Seq2SeqLM` with the weights of transformers'
    `TFT5ForConditionalGeneration` `model` (tied embeddings, ReLU)."""
    from tfft import keras_compat

    keras_compat.keras_for("keras_hub")
    import keras_hub

    config = model.config
    prefix = model.name + "/"
    weights = {w.name.removeprefix(prefix): w.numpy() for w in model.weights}
    backbone = keras_hub.models.T5Backbone(
        vocabulary_size=config.vocab_size, num_layers=config.num_layers,
        num_heads=config.num_heads, hidden_dim=config.d_model,
        intermediate_dim=config.d_ff, key_value_dim=config.d_kv,
        dropout=0.0, use_gated_activation=False, tie_embedding_weights=True)
    backbone.token_embedding.embeddings.assign(
        weights["shared/shared/embeddings:0"])
    attention_names = {"q": "query_projector", "k": "key_projector",
                       "v": "value_projector", "o": "output_projector"}
    for side in ("encoder", "decoder"):
        layers = getattr(backbone, f"{side}_transformer_layers")
        backbone_norm = getattr(backbone, f"{side}_layer_norm")
        backbone_norm.weight.assign(weights[f"{side}/final_layer_norm/"
                                            "weight:0"])
        for i, layer in enumerate(layers):
            block = f"{side}/block_._{i}/layer_._"
            parts = [("0/SelfAttention", layer.self_attention,
                      layer.self_attention_layer_norm)]
            if side == "decoder":
                parts.append(("1/EncDecAttention", layer.cross_attention,
                              layer.cross_attention_layer_norm))
            for j, (name, attention, norm) in enumerate(parts):
                for short, long in attention_names.items():
                    getattr(attention, long).kernel.assign(
                        weights[f"{block}{name}/{short}/kernel:0"])
                norm.weight.assign(weights[f"{block}{j}/layer_norm/"
                                           "weight:0"])
            if i == 0:  # the relative position bias: the first layer's
                layer.self_attention.relative_attention_bias.assign(
                    weights[f"{block}0/SelfAttention/relative_attention_"
                            "bias/embeddings:0"])
            ff = len(parts)
            layer.input_projector.kernel.assign(
                weights[f"{block}{ff}/DenseReluDense/wi/kernel:0"])
            layer.output_projector.kernel.assign(
                weights[f"{block}{ff}/DenseReluDense/wo/kernel:0"])
            layer.layer_norm.weight.assign(
                weights[f"{block}{ff}/layer_norm/weight:0"])
    return keras_hub.models.T5Seq2SeqLM(backbone=backbone)
