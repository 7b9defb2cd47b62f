import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var PairOpen;
(function (PairOpen) {
    let _codec;
    PairOpen.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.nameplate != null && obj.nameplate !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.nameplate);
                }
                if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.nonce);
                }
                if ((obj.version != null && obj.version !== '')) {
                    w.uint32(26);
                    w.string(obj.version);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    nameplate: 0,
                    nonce: uint8ArrayAlloc(0),
                    version: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.nameplate = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.nonce = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.version = reader.string();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.nameplate`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.nonce`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.version`,
                                value: reader.string()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, PairOpen.codec());
    }
    PairOpen.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PairOpen.codec(), opts);
    }
    PairOpen.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PairOpen.codec(), opts);
    }
    PairOpen.stream = stream;
})(PairOpen || (PairOpen = {}));
export var PairNonce;
(function (PairNonce) {
    let _codec;
    PairNonce.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.nonce);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    nonce: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.nonce = reader.bytes();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.nonce`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, PairNonce.codec());
    }
    PairNonce.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PairNonce.codec(), opts);
    }
    PairNonce.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PairNonce.codec(), opts);
    }
    PairNonce.stream = stream;
})(PairNonce || (PairNonce = {}));
export var PairKey;
(function (PairKey) {
    let _codec;
    PairKey.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.y != null && obj.y.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.y);
                }
                if ((obj.name != null && obj.name !== '')) {
                    w.uint32(18);
                    w.string(obj.name);
                }
                if ((obj.tag != null && obj.tag.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.tag);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    y: uint8ArrayAlloc(0),
                    name: '',
                    tag: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.y = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.name = reader.string();
                            break;
                        }
                        case 3: {
                            obj.tag = reader.bytes();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.y`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.name`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.tag`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, PairKey.codec());
    }
    PairKey.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PairKey.codec(), opts);
    }
    PairKey.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PairKey.codec(), opts);
    }
    PairKey.stream = stream;
})(PairKey || (PairKey = {}));
export var PairFinish;
(function (PairFinish) {
    let _codec;
    PairFinish.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.tag != null && obj.tag.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.tag);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    tag: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.tag = reader.bytes();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.tag`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, PairFinish.codec());
    }
    PairFinish.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PairFinish.codec(), opts);
    }
    PairFinish.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PairFinish.codec(), opts);
    }
    PairFinish.stream = stream;
})(PairFinish || (PairFinish = {}));
export var PairResult;
(function (PairResult) {
    let _codec;
    PairResult.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.ok != null && obj.ok !== false)) {
                    w.uint32(8);
                    w.bool(obj.ok);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    ok: false
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.ok = reader.bool();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.ok`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, PairResult.codec());
    }
    PairResult.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PairResult.codec(), opts);
    }
    PairResult.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PairResult.codec(), opts);
    }
    PairResult.stream = stream;
})(PairResult || (PairResult = {}));
export var WireError;
(function (WireError) {
    let _codec;
    WireError.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.code != null && obj.code !== '')) {
                    w.uint32(10);
                    w.string(obj.code);
                }
                if ((obj.message != null && obj.message !== '')) {
                    w.uint32(18);
                    w.string(obj.message);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    code: '',
                    message: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.code = reader.string();
                            break;
                        }
                        case 2: {
                            obj.message = reader.string();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.code`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.message`,
                                value: reader.string()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, WireError.codec());
    }
    WireError.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, WireError.codec(), opts);
    }
    WireError.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, WireError.codec(), opts);
    }
    WireError.stream = stream;
})(WireError || (WireError = {}));
export var Refusal;
(function (Refusal) {
    let _codec;
    Refusal.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {};
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Refusal.codec());
    }
    Refusal.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Refusal.codec(), opts);
    }
    Refusal.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Refusal.codec(), opts);
    }
    Refusal.stream = stream;
})(Refusal || (Refusal = {}));
