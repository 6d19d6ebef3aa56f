-- CreateEnum
CREATE TYPE "FollowUpStage" AS ENUM ('LEADS_SMS', 'CALL', 'FAMILY', 'STAFF_TASK', 'DONE', 'STOPPED');

-- AlterTable
ALTER TABLE "EmploymentEvent" ADD COLUMN     "confirmationId" INTEGER;

-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "cancelledAt" TIMESTAMP(3),
ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "parentId" INTEGER,
ADD COLUMN     "pausedAt" TIMESTAMP(3),
ADD COLUMN     "stats" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN     "claimedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ZeroEmploymentSpell" (
    "id" SERIAL NOT NULL,
    "householdId" INTEGER NOT NULL,
    "villageId" INTEGER NOT NULL,
    "townshipId" INTEGER NOT NULL,
    "countyId" INTEGER NOT NULL,
    "provinceId" INTEGER NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "clearedAt" TIMESTAMP(3),
    "stage" "FollowUpStage" NOT NULL DEFAULT 'LEADS_SMS',
    "nextStepAt" TIMESTAMP(3),
    "staffTaskId" INTEGER,
    "history" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ZeroEmploymentSpell_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingListPublication" (
    "id" SERIAL NOT NULL,
    "countyId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "rows" INTEGER NOT NULL,
    "people" INTEGER NOT NULL,
    "files" JSONB NOT NULL DEFAULT '[]',
    "pushed" INTEGER NOT NULL DEFAULT 0,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingListPublication_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ZeroEmploymentSpell_householdId_clearedAt_idx" ON "ZeroEmploymentSpell"("householdId", "clearedAt");

-- CreateIndex
CREATE INDEX "ZeroEmploymentSpell_countyId_enteredAt_idx" ON "ZeroEmploymentSpell"("countyId", "enteredAt");

-- CreateIndex
CREATE INDEX "ZeroEmploymentSpell_nextStepAt_idx" ON "ZeroEmploymentSpell"("nextStepAt");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingListPublication_countyId_month_key" ON "TrainingListPublication"("countyId", "month");

-- CreateIndex
CREATE INDEX "Campaign_parentId_idx" ON "Campaign"("parentId");

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_confirmationId_fkey" FOREIGN KEY ("confirmationId") REFERENCES "Confirmation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ZeroEmploymentSpell" ADD CONSTRAINT "ZeroEmploymentSpell_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
