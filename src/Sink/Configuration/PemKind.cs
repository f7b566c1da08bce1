namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>What a PEM option must hold.</summary>
internal enum PemKind
{
    /// <summary>certificationPath: one or more CERTIFICATE blocks.</summary>
    ClientCertificate,

    /// <summary>privateKeyPath: one private key, RSA or EC, PKCS#1, PKCS#8 or SEC1, possibly encrypted.</summary>
    PrivateKey,

    /// <summary>rootCaPath: one or more CA CERTIFICATE blocks.</summary>
    CaBundle,
}
