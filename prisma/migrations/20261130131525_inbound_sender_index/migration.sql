-- CreateIndex
CREATE INDEX "InboundMessage_channel_fromAddress_id_idx" ON "InboundMessage"("channel", "fromAddress", "id");
