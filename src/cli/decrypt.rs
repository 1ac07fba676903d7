//! `fhe-nit decrypt`: the data owner's side. Decrypts the provider's encrypted model (frozen
//! layers are public, trainable layers ciphertexts of bits) into the model.json format that
//! `fhe-nit eval` and `fhe-nit plot` read.

use super::artifacts::{load_secret, write_model_json, EncryptedModel, MODEL};
use super::start::model_file;
use clap::Args;
use nit_bgv::keys::SecretKey;
use nit_nn::model::ModelKind;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DecryptArgs {
    /// The owner's key directory (written by `keygen`, holding secret.key).
    #[arg(long)]
    pub keys: PathBuf,
    /// The provider's output directory (holding model.enc).
    #[arg(long)]
    pub model: PathBuf,
    /// The model.json to write.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &DecryptArgs) -> Result<(), String> {
    let sk = load_secret(&args.keys).map_err(|e| e.to_string())?;
    decrypt(&sk, &args.model, &args.out)
}

/// Decrypts MODEL/model.enc with `sk` into `out`; every slot of a weight must agree.
pub fn decrypt(sk: &SecretKey, model_dir: &Path, out: &Path) -> Result<(), String> {
    let path = model_dir.join(MODEL);
    let model =
        EncryptedModel::read(&path, sk.params(), sk.id(), None).map_err(|e| e.to_string())?;
    let sizes = ModelKind::Nn2.layer_sizes();
    if model.shape.sizes != sizes {
        return Err(format!(
            "{}: a model of a network {:?}, model.json holds NN2 {sizes:?}",
            path.display(),
            model.shape.sizes
        ));
    }
    let slots = sk
        .params()
        .slots()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .slots();
    let weights = model
        .weights
        .decode(slots, |bits| sk.decrypt_bits(&bits.ct))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let file = model_file(weights, model.normalization)?;
    write_model_json(out, &file).map_err(|e| e.to_string())?;
    println!(
        "decrypted {} (after {} steps) into {}",
        path.display(),
        model.steps,
        out.display()
    );
    Ok(())
}
