import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime';
export var Unpair;
(function (Unpair) {
    let _codec;
    Unpair.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.reason != null && obj.reason !== '')) {
                    w.uint32(10);
                    w.string(obj.reason);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    reason: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.reason = reader.string();
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
                                field: `${prefix}.reason`,
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
        return encodeMessage(obj, Unpair.codec());
    }
    Unpair.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Unpair.codec(), opts);
    }
    Unpair.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Unpair.codec(), opts);
    }
    Unpair.stream = stream;
})(Unpair || (Unpair = {}));
export var UnpairAck;
(function (UnpairAck) {
    let _codec;
    UnpairAck.codec = () => {
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
        return encodeMessage(obj, UnpairAck.codec());
    }
    UnpairAck.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, UnpairAck.codec(), opts);
    }
    UnpairAck.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, UnpairAck.codec(), opts);
    }
    UnpairAck.stream = stream;
})(UnpairAck || (UnpairAck = {}));
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
