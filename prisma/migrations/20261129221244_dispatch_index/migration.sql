-- DropIndex
DROP INDEX "OutboundMessage_campaignId_status_idx";

-- CreateIndex
CREATE INDEX "OutboundMessage_campaignId_status_id_idx" ON "OutboundMessage"("campaignId", "status", "id");
