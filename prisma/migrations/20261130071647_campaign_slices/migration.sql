-- DropIndex
DROP INDEX "OutboundMessage_campaignId_status_id_idx";

-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "texts" JSONB;

-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN     "checkedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "CampaignSlice" (
    "campaignId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "channel" "Channel" NOT NULL,
    "workerIds" INTEGER[],
    "choices" JSONB,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "CampaignSlice_pkey" PRIMARY KEY ("campaignId","seq")
);

-- CreateIndex
CREATE INDEX "OutboundMessage_status_channel_sentAt_idx" ON "OutboundMessage"("status", "channel", "sentAt");
