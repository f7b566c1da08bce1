// The zdmqtt command arrives with the sink issue; this keeps the project building until then.
return 0;
